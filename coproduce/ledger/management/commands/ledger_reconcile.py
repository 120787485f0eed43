"""Recompute every account from its transfers; exit 1 on any difference.

``--schedule`` instead queues the nightly task (the django-tasks worker then runs it at 03:00
every night and queues the next run itself).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.communities.models import Community
from coproduce.ledger.reconcile import ledger_reconcile
from coproduce.ledger.tasks import ledger_reconcile_nightly, next_night


class Command(BaseCommand):
    help = "Check the time-credit ledger: counters, the zero sum and every account's limits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--community", help="Only this community (its web address name).")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Queue the nightly reconciliation for the task worker instead of running now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            run_after = next_night()
            ledger_reconcile_nightly.using(run_after=run_after).enqueue()
            self.stdout.write(f"Nightly reconciliation queued for {run_after.isoformat()}.")
            return
        community_id = None
        if options["community"]:
            community = Community.objects.filter(slug=options["community"]).first()
            if community is None:
                raise CommandError(f"No community called {options['community']!r}.")
            community_id = community.pk
        report = ledger_reconcile(community_id=community_id)
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(report.summary())
        if not report.is_clean:
            raise SystemExit(1)
