"""Background work for notifications, run by the django-tasks worker (``manage.py db_worker``):
delivering one email. ``email_send`` is queued by ``services.notification_send_within`` after the
caller's transaction commits. What to send and when (the weekly digest, the daily reminders) is
the business of the app that has something to say (``exchanges/tasks.py``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

from coproduce.notifications import selectors
from coproduce.notifications.models import Notification

logger = logging.getLogger("coproduce.notifications")


@task()
def email_send(
    *, notification_id: int, to: str, subject: str, body: str, headers: dict[str, str]
) -> bool:
    """Send one rendered email with Django's mail API; record whether it went."""
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
        notification_delivered(notification_id=notification_id, is_sent=False)
        logger.exception("Could not send notification %s", notification_id)
        raise
    notification_delivered(notification_id=notification_id, is_sent=True)
    return True


def notification_delivered(*, notification_id: int, is_sent: bool) -> None:
    """The task worker's report on one email. It lives beside the worker, not in services,
    because services queues ``email_send``: this way neither module imports the other back."""
    if is_sent:
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.SENT, sent_at=timezone.now()
        )
    else:
        Notification.objects.filter(pk=notification_id).update(status=Notification.Status.FAILED)
