"""Scheduled work for exchanges, run by the django-tasks worker (``manage.py db_worker``) or at
once by the management commands ``notifications_digest`` (weekly) and
``notifications_reminders`` (daily), which an operator runs from cron (the names are kept from
when the notifications app ran them, so existing cron lines keep working).

Exchanges decides what to say and to whom; the notifications app delivers it, honouring each
member's choices and their unsubscribe links.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from coproduce.exchanges.selectors import (
    exchange_confirmer,
    exchanges_awaiting_confirmation,
    listings_expiring,
    listings_matching_interests,
)
from coproduce.exchanges.services import (
    exchange_auto_confirm_due,
    listing_renewal_reminded_within,
)
from coproduce.notifications.models import Topic
from coproduce.notifications.selectors import digest_recipients
from coproduce.notifications.services import notification_send_within

logger = logging.getLogger("coproduce.exchanges")

DIGEST_EVERY = timedelta(days=7)
# Hours recorded this long ago and still unconfirmed get one reminder to the other side.
UNCONFIRMED_REMIND_AFTER = timedelta(days=2)
# Listings that close within this time get one reminder to their owner.
EXPIRING_WITHIN = timedelta(days=3)


@task()
def digest_weekly() -> dict[str, int]:
    """Email each member who wants it the new listings that match their interests."""
    sent = digests_send(now=timezone.now())
    logger.info("Weekly digest: %s members told about new listings.", sent)
    return {"digests": sent}


@task()
def reminders_daily() -> dict[str, int]:
    """Confirm hours that are due, then remind people of unconfirmed hours and ending listings."""
    counts = reminders_send(now=timezone.now())
    logger.info("Reminders: %s", counts)
    return counts


def digests_send(*, now: datetime) -> int:
    """Email every member who wants the digest the new listings matching their interests.

    "New" means since their last digest, and never more than a week back, so running the
    command twice in a week sends nothing twice. Members without a login are left out: a weekly
    list is not something a coordinator reads out. Returns how many members were emailed.
    """
    week_ago = now - DIGEST_EVERY
    sent = 0
    for membership in digest_recipients().iterator(chunk_size=500):
        since = max(week_ago, membership.last_digest_at or week_ago)
        listings = list(listings_matching_interests(membership=membership, since=since))
        if not listings:
            continue
        with transaction.atomic(durable=True):
            notification = notification_send_within(
                membership=membership,
                topic=Topic.DIGEST,
                subject=gettext_noop("New offers and requests in %(community_name)s"),
                template="exchanges/email/digest.txt",
                context={"listings": listings, "community_name": membership.community.name},
            )
        sent += notification is not None
    return sent


def reminders_send(*, now: datetime) -> dict[str, int]:
    """Confirm the hours that are due; remind about the rest and about listings closing soon.

    Each reminder goes to a member once (the notification's key), so the command can run every
    day, or every hour.
    """
    # Confirm first, so nobody is reminded about hours that were just confirmed.
    confirmed = exchange_auto_confirm_due(now=now)
    unconfirmed = 0
    for exchange in exchanges_awaiting_confirmation(older_than=UNCONFIRMED_REMIND_AFTER):
        confirmer = exchange_confirmer(exchange=exchange)
        recorder = exchange.other_side(confirmer)
        confirm_by = None
        if exchange.recorded_at is not None and exchange.community.exchange_auto_confirm_days:
            confirm_by = exchange.recorded_at + timedelta(
                days=exchange.community.exchange_auto_confirm_days
            )
        with transaction.atomic(durable=True):
            notification = notification_send_within(
                membership=confirmer,
                topic=Topic.REMINDERS,
                subject=gettext_noop("Please check the hours for “%(title)s”"),
                template="exchanges/email/reminder_unconfirmed.txt",
                context={
                    "title": exchange.title,
                    "exchange": exchange,
                    "recorder": str(recorder),
                    "confirm_by": confirm_by,
                },
                key=f"exchange:{exchange.pk}:unconfirmed",
            )
        unconfirmed += notification is not None
    expiring = 0
    for listing in listings_expiring(within=EXPIRING_WITHIN):
        with transaction.atomic(durable=True):
            notification = notification_send_within(
                membership=listing.owner,
                topic=Topic.REMINDERS,
                subject=gettext_noop("“%(title)s” closes soon"),
                template="exchanges/email/reminder_expiring.txt",
                context={"title": listing.title, "listing": listing},
                key=f"listing:{listing.pk}:closes:{listing.expires_at:%Y-%m-%d}",
            )
            # Also when the owner turned reminders off: the listing leaves the list either way.
            listing_renewal_reminded_within(listing=listing)
        expiring += notification is not None
    return {"auto_confirmed": confirmed, "unconfirmed": unconfirmed, "expiring": expiring}
