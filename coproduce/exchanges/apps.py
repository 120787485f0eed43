from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    name = "coproduce.exchanges"
    verbose_name = _("Offers, requests and exchanges")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from coproduce.communities.hooks import on_profile_changed
        from coproduce.exchanges.search_index import search_index_after_migrate
        from coproduce.exchanges.services import listings_owner_changed

        # Listing search text carries the owner's skills when members may see them.
        on_profile_changed(listings_owner_changed)

        # SQLite rebuilds a table to alter it, which drops its triggers: put them back.
        post_migrate.connect(
            search_index_after_migrate, sender=self, dispatch_uid="exchanges_search_index"
        )
