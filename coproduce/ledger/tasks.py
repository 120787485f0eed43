"""Background work for the ledger: the nightly reconciliation, run by the django-tasks worker."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from coproduce.ledger.reconcile import ledger_reconcile

logger = logging.getLogger("coproduce.ledger")

NIGHTLY_AT = time(3, 0)


def next_night(now: datetime | None = None) -> datetime:
    """The next 03:00 in the site's time zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(now or timezone.now(), zone)
    run = datetime.combine(local.date(), NIGHTLY_AT, tzinfo=zone)
    if run <= local:
        run = datetime.combine(local.date() + timedelta(days=1), NIGHTLY_AT, tzinfo=zone)
    return run


@task()
def ledger_reconcile_nightly(reschedule: bool = True) -> dict[str, Any]:
    """Reconcile every account; log problems as errors; queue tomorrow night's run."""
    report = ledger_reconcile()
    if report.is_clean:
        logger.info(report.summary())
    else:
        logger.error("%s\n%s", report.summary(), "\n".join(report.problems))
    if reschedule:
        ledger_reconcile_nightly.using(run_after=next_night()).enqueue()
    return {
        "clean": report.is_clean,
        "accounts": report.accounts,
        "transfers": report.transfers,
        "problems": report.problems,
    }
