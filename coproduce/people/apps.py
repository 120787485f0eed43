from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "coproduce.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from coproduce.people import signals  # noqa: F401 - connects the receivers
