"""Hours: recording them (held in the ledger until the other side confirms), confirming them
(by the other side, or automatically after the community's days), and what a coordinator
records in one step: a group session, or help that already happened.

Recording puts the hours on hold in the ledger (the receiver pays the giver); confirming posts
the hold, cancelling (``exchanges.py``) voids it, each in the same transaction as the exchange.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coproduce.communities.models import Community, Membership
from coproduce.edge.units import minutes_display
from coproduce.exchanges import permissions, selectors
from coproduce.exchanges.models import MAX_EXCHANGE_MINUTES, Category, Exchange, Listing
from coproduce.exchanges.services._common import (
    CLOCK_SLACK,
    MAX_LISTING_DAYS,
    Event,
    Status,
    event_add,
    locked_for,
    member_account,
    message_check,
    notify,
    notify_other_side,
)
from coproduce.exchanges.services.exchanges import exchange_propose_within
from coproduce.ledger import services as ledger
from coproduce.ledger.models import Transfer
from coproduce.transactions import requires_transaction

# --- Recording and confirming ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def exchange_record(
    *,
    actor: Membership,
    exchange: Exchange,
    minutes: int,
    idempotency_key: uuid.UUID,
    given_at: datetime | None = None,
    text: str = "",
    member: Membership | None = None,
) -> Exchange:
    """Record the hours given. Credits wait on hold until the other side confirms.

    Sending the same key again (a double click, a retry) returns the exchange unchanged.
    """
    return exchange_record_within(
        actor=actor,
        exchange=exchange,
        minutes=minutes,
        idempotency_key=idempotency_key,
        given_at=given_at,
        text=text,
        member=member,
    )


@requires_transaction
def exchange_record_within(
    *,
    actor: Membership,
    exchange: Exchange,
    minutes: int,
    idempotency_key: uuid.UUID,
    given_at: datetime | None = None,
    text: str = "",
    member: Membership | None = None,
) -> Exchange:
    """``exchange_record`` in the caller's transaction (an assisted record, the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    if exchange.status == Status.RECORDED and exchange.record_key == idempotency_key:
        return exchange
    if not exchange.is_open:
        raise ValidationError(_("The hours of this exchange have already been recorded."))
    if not 1 <= minutes <= MAX_EXCHANGE_MINUTES:
        raise ValidationError(
            {"minutes": _("One exchange can be from 0:01 to 24:00. Record longer help as several.")}
        )
    now = timezone.now()
    if given_at is None:
        agreed = exchange.agreed_for
        given_at = agreed if agreed is not None and agreed <= now else now
    if given_at > now + CLOCK_SLACK:
        raise ValidationError({"given_at": _("You can record hours once they have been given.")})
    if given_at < now - timedelta(days=MAX_LISTING_DAYS):
        raise ValidationError({"given_at": _("That is more than a year ago.")})
    text = message_check(text, required=False)
    hold = ledger.transfer_hold_within(
        actor=actor,
        debit=member_account(exchange.receiver),
        credit=member_account(exchange.giver),
        kind=Transfer.Kind.EXCHANGE,
        minutes_given=minutes,
        category=exchange.category.slug,
        given_at=given_at,
        memo=exchange.title,
        idempotency_key=idempotency_key,
        for_member=member if member.pk != actor.pk else None,
        cause_type="exchange",
        cause_id=exchange.pk,
    )
    exchange.status = Status.RECORDED
    exchange.minutes = minutes
    exchange.given_at = given_at
    exchange.recorded_by = member
    exchange.recorded_at = now
    exchange.record_key = idempotency_key
    exchange.transfer = hold
    exchange.save(
        update_fields=[
            "status",
            "minutes",
            "given_at",
            "recorded_by",
            "recorded_at",
            "record_key",
            "transfer",
        ]
    )
    event_add(exchange, Event.RECORDED, member=member, actor=actor, text=text)
    notify_other_side(
        exchange,
        member,
        topic="confirmations",
        subject=gettext_noop("Please confirm %(time)s for %(title)s"),
        time=minutes_display(minutes),
        template="recorded",
        minutes=minutes,
        credits=hold.minutes,
        confirm_by=selectors.exchange_auto_confirm_at(exchange=exchange),
    )
    return exchange


def can_confirm(member: Membership, exchange: Exchange) -> bool:
    """The side that did not record the hours confirms them."""
    return (
        exchange.status == Status.RECORDED
        and exchange.is_party(member)
        and exchange.recorded_by_id != member.pk
    )


@transaction.atomic(durable=True)
def exchange_confirm(
    *, actor: Membership, exchange: Exchange, member: Membership | None = None
) -> Exchange:
    return exchange_confirm_within(actor=actor, exchange=exchange, member=member)


@requires_transaction
def exchange_confirm_within(
    *, actor: Membership, exchange: Exchange, member: Membership | None = None
) -> Exchange:
    """``exchange_confirm`` in the caller's transaction (an assisted record, the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    if exchange.status == Status.CONFIRMED:
        return exchange
    if exchange.status != Status.RECORDED:
        raise ValidationError(_("There are no hours waiting to be confirmed."))
    if not can_confirm(member, exchange):
        raise PermissionDenied(_("The other person confirms the hours you recorded."))
    assert exchange.transfer is not None  # noqa: S101 - recorded exchanges have a hold
    ledger.transfer_post_within(actor=actor, transfer=exchange.transfer, memo=exchange.title)
    exchange.status = Status.CONFIRMED
    exchange.confirmed_at = timezone.now()
    exchange.save(update_fields=["status", "confirmed_at"])
    event_add(exchange, Event.CONFIRMED, member=member, actor=actor)
    notify_other_side(
        exchange,
        member,
        topic="confirmations",
        subject=gettext_noop("%(name)s confirmed your hours for %(title)s"),
        template="confirmed",
    )
    return exchange


# --- Confirming automatically ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def _auto_confirm_one(exchange_pk: int) -> bool:
    exchange = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("community", "transfer", "giver__profile", "receiver__profile")
        .get(pk=exchange_pk)
    )
    if exchange.status != Status.RECORDED or exchange.transfer is None:
        return False
    if not selectors.exchange_confirms_itself(exchange=exchange):
        return False
    ledger.transfer_post_automatically_within(transfer=exchange.transfer, memo=exchange.title)
    exchange.status = Status.CONFIRMED
    exchange.confirmed_at = timezone.now()
    exchange.save(update_fields=["status", "confirmed_at"])
    event_add(exchange, Event.AUTO_CONFIRMED, member=None, actor=None)
    for person in (exchange.giver, exchange.receiver):
        notify(
            member=person,
            topic="confirmations",
            subject=gettext_noop("%(title)s: the hours are confirmed"),
            template="exchanges/email/auto_confirmed.txt",
            context={
                "title": exchange.title,
                "exchange": exchange,
                "community": exchange.community,
                "to_name": str(person),
                "path": exchange.get_absolute_url(),
            },
        )
    return True


def exchange_auto_confirm_due(*, now: datetime) -> int:
    """Confirm recorded hours nobody answered within the community's
    ``exchange_auto_confirm_days`` (0 switches it off), except hours a member without a login
    must confirm: a coordinator does that for them. Returns how many were confirmed.
    Each exchange is its own transaction, so one failure does not hold up the rest."""
    confirmed = 0
    days_by_community = dict(
        Community.objects.filter(exchange_auto_confirm_days__gt=0).values_list(
            "pk", "exchange_auto_confirm_days"
        )
    )
    for community_id, days in days_by_community.items():
        due = selectors.exchanges_due_to_confirm_themselves(
            community_id=community_id, recorded_before=now - timedelta(days=days)
        ).values_list("pk", flat=True)
        for pk in list(due):
            if _auto_confirm_one(pk):
                confirmed += 1
    return confirmed


# --- Recorded by a coordinator in one step --------------------------------------------------------


@transaction.atomic(durable=True)
def exchange_group_record(
    *,
    actor: Membership,
    givers: Sequence[Membership],
    receivers: Sequence[Membership],
    category: Category,
    title: str,
    minutes: int,
    given_at: datetime,
    idempotency_key: uuid.UUID,
    listing: Listing | None = None,
) -> list[Exchange]:
    """One giver to many receivers, or many givers to one receiver, recorded in one step: a
    single ledger batch, confirmed at once (a coordinator records what they saw happen)."""
    return exchange_group_record_within(
        actor=actor,
        givers=givers,
        receivers=receivers,
        category=category,
        title=title,
        minutes=minutes,
        given_at=given_at,
        idempotency_key=idempotency_key,
        listing=listing,
    )


@requires_transaction
def exchange_group_record_within(
    *,
    actor: Membership,
    givers: Sequence[Membership],
    receivers: Sequence[Membership],
    category: Category,
    title: str,
    minutes: int,
    given_at: datetime,
    idempotency_key: uuid.UUID,
    listing: Listing | None = None,
) -> list[Exchange]:
    """``exchange_group_record`` in the caller's transaction (the demo)."""
    if not permissions.can_record_group(actor):
        raise PermissionDenied
    existing = list(
        Exchange.objects.filter(community_id=actor.community_id, batch_id=idempotency_key).order_by(
            "pk"
        )
    )
    if existing:
        return existing
    if len(givers) != 1 and len(receivers) != 1:
        raise ValidationError(
            _("Choose one giver and several receivers, or several givers and one receiver.")
        )
    pairs = [(giver, receiver) for giver in givers for receiver in receivers]
    if len(pairs) < 1 or any(giver.pk == receiver.pk for giver, receiver in pairs):
        raise ValidationError(_("Someone can't give time to themselves."))
    if len(pairs) > 100:
        raise ValidationError(_("Record at most 100 people at once."))
    if len({(g.pk, r.pk) for g, r in pairs}) != len(pairs):
        raise ValidationError(_("Each person should be chosen once."))
    for person in (*givers, *receivers):
        if person.community_id != actor.community_id or not person.is_active:
            raise ValidationError(_("Everyone must be an active member of this community."))
    if not 1 <= minutes <= MAX_EXCHANGE_MINUTES:
        raise ValidationError({"minutes": _("One exchange can be from 0:01 to 24:00.")})
    now = timezone.now()
    if given_at > now + CLOCK_SLACK:
        raise ValidationError({"given_at": _("You can record hours once they have been given.")})
    title = title.strip()[:120]
    if not title:
        raise ValidationError({"title": _("Say in a few words what the session was.")})
    exchanges = []
    for giver, receiver in pairs:
        exchange = Exchange.objects.create(
            community_id=actor.community_id,
            listing=listing,
            category=category,
            title=title,
            giver=giver,
            receiver=receiver,
            started_by=actor,
            status=Status.CONFIRMED,
            minutes=minutes,
            given_at=given_at,
            recorded_by=None,
            recorded_at=now,
            confirmed_at=now,
            batch_id=idempotency_key,
        )
        exchanges.append(exchange)
    legs = [
        ledger.TransferLeg(
            debit=member_account(exchange.receiver),
            credit=member_account(exchange.giver),
            kind=Transfer.Kind.EXCHANGE,
            minutes_given=minutes,
            category=category.slug,
            given_at=given_at,
            memo=title,
            idempotency_key=uuid.uuid5(idempotency_key, str(index)),
            cause_type="exchange",
            cause_id=exchange.pk,
        )
        for index, exchange in enumerate(exchanges)
    ]
    transfers = ledger.transfer_batch_create_within(
        actor=actor, legs=legs, batch_id=idempotency_key
    )
    for exchange, transfer in zip(exchanges, transfers, strict=True):
        exchange.transfer = transfer
        exchange.save(update_fields=["transfer"])
        event_add(exchange, Event.RECORDED, member=None, actor=actor)
    return exchanges


@transaction.atomic(durable=True)
def exchange_assisted_record(
    *,
    actor: Membership,
    giver: Membership,
    receiver: Membership,
    category: Category,
    title: str,
    minutes: int,
    given_at: datetime,
    idempotency_key: uuid.UUID,
    confirm_now: bool = False,
) -> Exchange:
    """A coordinator records, in one step, help that already happened (the paper form or the
    phone call): the exchange is started and recorded for the giver, and confirmed for the
    receiver too when both told the coordinator. Each step shows who acted for whom."""
    return exchange_assisted_record_within(
        actor=actor,
        giver=giver,
        receiver=receiver,
        category=category,
        title=title,
        minutes=minutes,
        given_at=given_at,
        idempotency_key=idempotency_key,
        confirm_now=confirm_now,
    )


@requires_transaction
def exchange_assisted_record_within(
    *,
    actor: Membership,
    giver: Membership,
    receiver: Membership,
    category: Category,
    title: str,
    minutes: int,
    given_at: datetime,
    idempotency_key: uuid.UUID,
    confirm_now: bool = False,
) -> Exchange:
    """``exchange_assisted_record`` in the caller's transaction (the demo)."""
    if not permissions.can_assist(actor):
        raise PermissionDenied
    already = Exchange.objects.filter(
        community_id=actor.community_id, record_key=idempotency_key
    ).first()
    if already is not None:
        return already
    exchange = exchange_propose_within(
        actor=actor, giver=giver, receiver=receiver, category=category, title=title, member=giver
    )
    exchange = exchange_record_within(
        actor=actor,
        exchange=exchange,
        minutes=minutes,
        given_at=given_at,
        idempotency_key=idempotency_key,
        member=giver,
    )
    if confirm_now:
        exchange = exchange_confirm_within(actor=actor, exchange=exchange, member=receiver)
    return exchange
