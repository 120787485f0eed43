from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    name = "coproduce.exchanges"
    verbose_name = _("Offers, requests and exchanges")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce.communities import hooks as communities
        from coproduce.exchanges import receivers
        from coproduce.exchanges.search_index import search_index_after_migrate

        # SQLite rebuilds a table to alter it, which drops its triggers: put them back.
        post_migrate.connect(
            search_index_after_migrate, sender=self, dispatch_uid="exchanges_search_index"
        )
        communities.community_created.register(receivers.categories_seed)
        communities.demo_community_built.register(receivers.demo_community_built)
        communities.kinds_of_help.register(receivers.kinds_of_help)
        communities.member_home.register(receivers.member_home)
        # Listing search text carries the owner's skills when members may see them.
        communities.profile_changed.register(receivers.listings_owner_changed)
