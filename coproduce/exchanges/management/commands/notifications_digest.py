"""Send the weekly digest: new listings that match each member's interests.

Run it from cron once a week (it sends nothing twice if run again). ``--queue`` hands the work
to the task worker instead of doing it in this process; the emails go through the worker either
way.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coproduce.exchanges.tasks import digest_weekly


class Command(BaseCommand):
    help = "Email each member the new offers and requests that match their interests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the digest for the task worker (manage.py db_worker) instead.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            digest_weekly.enqueue()
            message = "Weekly digest queued for the task worker."
        else:
            result = digest_weekly.call()
            message = f"Weekly digest: {result['digests']} members emailed."
        if options["verbosity"]:
            self.stdout.write(message)
