"""What the exchanges services share: notifications after commit, the thread's events, who
acts for whom, and the locked exchange every step starts from. Private to the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from coproduce.communities.models import Membership
from coproduce.exchanges import permissions
from coproduce.exchanges.models import Exchange, ExchangeEvent
from coproduce.ledger import services as ledger
from coproduce.ledger.models import Account

Status = Exchange.Status
Event = ExchangeEvent.Kind
LISTING_DAYS = 90
MAX_LISTING_DAYS = 366
# A moment of clock difference between a phone and the server is not "the past" or "the future".
CLOCK_SLACK = timedelta(minutes=5)


# --- Notifications (the notifications app sends them after commit) --------------------------------


def notify(
    *, member: Membership, topic: str, subject: str, template: str, context: dict[str, Any]
) -> None:
    try:
        from coproduce.notifications.services import notification_send_within
    except ImportError:  # the notifications app is not installed in this deployment
        return
    notification_send_within(
        membership=member, topic=topic, subject=subject, template=template, context=context
    )


def notify_other_side(
    exchange: Exchange, member: Membership, *, topic: str, subject: str, template: str, **extra: Any
) -> None:
    other = exchange.other_side(member)
    notify(
        member=other,
        topic=topic,
        subject=subject,
        template=f"exchanges/email/{template}.txt",
        context={
            "exchange": exchange,
            "community": exchange.community,
            "name": str(member),
            "title": exchange.title,
            "from_name": str(member),
            "to_name": str(other),
            "path": exchange.get_absolute_url(),
            **extra,
        },
    )


# --- The thread -----------------------------------------------------------------------------------


def event_add(
    exchange: Exchange,
    kind: str,
    *,
    member: Membership | None,
    actor: Membership | None,
    text: str = "",
) -> ExchangeEvent:
    event = ExchangeEvent(
        community_id=exchange.community_id,
        exchange=exchange,
        kind=kind,
        author=member,
        operator=actor,
        text=text.strip(),
    )
    event.full_clean(exclude=["community", "exchange", "author", "operator"])
    event.save()
    exchange.updated_at = event.created_at
    Exchange.objects.filter(pk=exchange.pk).update(updated_at=event.created_at)
    return event


def acting_member(actor: Membership, member: Membership | None) -> Membership:
    member = member or actor
    if not permissions.can_act_for(actor, member):
        raise PermissionDenied
    return member


def message_check(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise ValidationError({"text": _("Write a message first.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Please keep it under 2,000 characters.")})
    return text


def locked_for(
    actor: Membership, exchange: Exchange, member: Membership | None
) -> tuple[Exchange, Membership]:
    member = acting_member(actor, member)
    if exchange.community_id != actor.community_id or not exchange.is_party(member):
        raise PermissionDenied
    locked = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("community", "giver__profile", "receiver__profile", "category", "transfer")
        .get(pk=exchange.pk)
    )
    return locked, member


def member_account(member: Membership) -> Account:
    return ledger.member_account_open_within(membership=member)
