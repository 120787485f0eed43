"""Background work for notifications, run by the django-tasks worker (``manage.py db_worker``).

``email_send`` is queued by ``services.notification_send`` after the caller's transaction
commits. ``digest_weekly`` and ``reminders_daily`` are queued (or run) by the management
commands ``notifications_digest`` and ``notifications_reminders``, which an operator runs from
cron.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

from coproduce.notifications import selectors

logger = logging.getLogger("coproduce.notifications")


@task()
def email_send(
    *, notification_id: int, to: str, subject: str, body: str, headers: dict[str, str]
) -> bool:
    """Send one rendered email with Django's mail API; record whether it went."""
    # services imports this module for email_send, so import it here, not at the top.
    from coproduce.notifications import services

    if not selectors.notification_exists(notification_id=notification_id):
        # The member was erased or left between queueing and sending: tell them nothing.
        return False
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    try:
        message.send()
    except Exception:
        services.notification_delivered(notification_id=notification_id, is_sent=False)
        logger.exception("Could not send notification %s", notification_id)
        raise
    services.notification_delivered(notification_id=notification_id, is_sent=True)
    return True


@task()
def digest_weekly() -> dict[str, int]:
    """Email each member who wants it the new listings that match their interests."""
    from coproduce.notifications import services

    sent = services.digests_send(now=timezone.now())
    logger.info("Weekly digest: %s members told about new listings.", sent)
    return {"digests": sent}


@task()
def reminders_daily() -> dict[str, int]:
    """Confirm hours that are due, then remind people of unconfirmed hours and ending listings."""
    from coproduce.notifications import services

    counts = services.reminders_send(now=timezone.now())
    logger.info("Reminders: %s", counts)
    return counts
