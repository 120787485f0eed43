from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "coproduce.communities"
    verbose_name = _("Communities")

    def ready(self) -> None:
        from coproduce.communities import receivers, selectors
        from coproduce.people import hooks as people

        people.staff_role.register(selectors.user_has_staff_role)
        people.account_page.register(receivers.account_page)
