"""Build the demo communities and print who can sign in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coproduce.communities.demo import DEMO_PASSWORD, demo_build


class Command(BaseCommand):
    help = "Create three demo communities modelled on the report, and print their logins."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_build()
        if result.created:
            self.stdout.write(self.style.SUCCESS("Demo communities created."))
        else:
            self.stdout.write("Demo communities already exist.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every password is: {DEMO_PASSWORD})")
        current = None
        for login in result.logins:
            if login.community != current:
                current = login.community
                self.stdout.write("")
                self.stdout.write(f"  {current}")
            self.stdout.write(f"    {login.email:<44} {login.name} ({login.roles})")
        self.stdout.write("")
