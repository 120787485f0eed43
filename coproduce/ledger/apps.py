from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "coproduce.ledger"
    verbose_name = _("Time credits")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce.communities import hooks as communities
        from coproduce.ledger import receivers
        from coproduce.ledger.append_only import connect_signals, triggers_after_migrate

        connect_signals()
        # SQLite rebuilds a table to alter it, which drops its triggers: put them back.
        post_migrate.connect(triggers_after_migrate, sender=self, dispatch_uid="ledger_triggers")
        communities.community_created.register(receivers.community_accounts_open)
        communities.membership_activated.register(receivers.member_account_open)
        communities.demo_community_built.register(receivers.demo_community_built)
        communities.member_home.register(receivers.member_home)
