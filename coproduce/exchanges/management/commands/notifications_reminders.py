"""Confirm hours that are due, then remind members of unconfirmed hours and closing listings.

Run it from cron once a day. Each reminder is sent once, so running it more often is safe.
``--queue`` hands the work to the task worker instead of doing it in this process.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coproduce.exchanges.tasks import reminders_daily


class Command(BaseCommand):
    help = "Confirm hours that are due; remind about unconfirmed hours and listings closing soon."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the reminders for the task worker (manage.py db_worker) instead.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            reminders_daily.enqueue()
            message = "Reminders queued for the task worker."
        else:
            counts = reminders_daily.call()
            message = (
                "Reminders: {auto_confirmed} exchanges confirmed automatically, "
                "{unconfirmed} reminders to check hours, "
                "{expiring} reminders of listings closing soon.".format(**counts)
            )
        if options["verbosity"]:
            self.stdout.write(message)
