"""Exchanges between two members: proposing one (or answering a listing), the thread of
messages, agreeing a date, thanks, and cancelling (which releases any hours on hold).

A coordinator may take any step for a member: ``member`` is whom it is for, ``actor`` who did
it, and both are kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coproduce.communities.models import Membership
from coproduce.exchanges.models import Category, Exchange, ExchangeEvent, Listing
from coproduce.exchanges.services._common import (
    CLOCK_SLACK,
    MAX_LISTING_DAYS,
    Event,
    Status,
    acting_member,
    event_add,
    locked_for,
    message_check,
    notify_other_side,
)
from coproduce.ledger import services as ledger
from coproduce.transactions import requires_transaction

# --- Starting -------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def exchange_propose(
    *,
    actor: Membership,
    giver: Membership,
    receiver: Membership,
    category: Category,
    title: str,
    message: str = "",
    listing: Listing | None = None,
    member: Membership | None = None,
) -> Exchange:
    """Start an exchange: ask for help, offer it, or propose one directly to someone.

    ``member`` (default the actor) is the one starting it and must be the giver or receiver.
    """
    return exchange_propose_within(
        actor=actor,
        giver=giver,
        receiver=receiver,
        category=category,
        title=title,
        message=message,
        listing=listing,
        member=member,
    )


@requires_transaction
def exchange_propose_within(
    *,
    actor: Membership,
    giver: Membership,
    receiver: Membership,
    category: Category,
    title: str,
    message: str = "",
    listing: Listing | None = None,
    member: Membership | None = None,
) -> Exchange:
    """``exchange_propose`` in the caller's transaction (answering a listing, an assisted
    record, the demo)."""
    member = acting_member(actor, member)
    if member.pk not in (giver.pk, receiver.pk):
        raise PermissionDenied
    if giver.pk == receiver.pk:
        raise ValidationError(_("An exchange needs two different people."))
    for person in (giver, receiver):
        if person.community_id != actor.community_id or not person.is_active:
            raise ValidationError(_("Both people must be active members of this community."))
    if category.community_id != actor.community_id:
        raise ValidationError({"category": _("Choose a kind of help from this community's list.")})
    text = message_check(message, required=False)
    title = title.strip()[:120]
    if not title:
        raise ValidationError({"title": _("Say in a few words what the help is.")})
    if listing is not None:
        if listing.community_id != actor.community_id:
            raise PermissionDenied
        if not listing.is_open:
            raise ValidationError(_("This listing is closed."))
        if listing.owner_id == member.pk:
            raise ValidationError(_("This is your own listing."))
        if listing.is_group:
            taken = (
                Exchange.objects.filter(listing=listing).exclude(status=Status.CANCELLED).count()
            )
            if taken >= listing.capacity:
                raise ValidationError(_("This session is full."))
    exchange = Exchange(
        community_id=actor.community_id,
        listing=listing,
        category=category,
        title=title,
        giver=giver,
        receiver=receiver,
        started_by=member,
    )
    exchange.full_clean(
        exclude=["community", "listing", "category", "giver", "receiver", "started_by", "transfer"]
    )
    exchange.save()
    kind = Event.ASKED if member.pk == receiver.pk else Event.OFFERED
    event_add(exchange, kind, member=member, actor=actor, text=text)
    subject = (
        gettext_noop("%(name)s asked you for help: %(title)s")
        if kind == Event.ASKED
        else gettext_noop("%(name)s offered to help: %(title)s")
    )
    notify_other_side(
        exchange, member, topic="requests", subject=subject, template="request", message=text
    )
    return exchange


@transaction.atomic(durable=True)
def exchange_start_from_listing(
    *, actor: Membership, listing: Listing, message: str, member: Membership | None = None
) -> Exchange:
    """Answer a listing: ask for the help offered, or offer the help asked for."""
    return exchange_start_from_listing_within(
        actor=actor, listing=listing, message=message, member=member
    )


@requires_transaction
def exchange_start_from_listing_within(
    *, actor: Membership, listing: Listing, message: str, member: Membership | None = None
) -> Exchange:
    """``exchange_start_from_listing`` in the caller's transaction (the demo)."""
    member = member or actor
    if listing.kind == Listing.Kind.OFFER:
        giver, receiver = listing.owner, member
    else:
        giver, receiver = member, listing.owner
    return exchange_propose_within(
        actor=actor,
        giver=giver,
        receiver=receiver,
        category=listing.category,
        title=listing.title,
        message=message,
        listing=listing,
        member=member,
    )


# --- The thread -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def exchange_message(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    """Write to the other side in the exchange's thread; they are told by email."""
    return exchange_message_within(actor=actor, exchange=exchange, text=text, member=member)


@requires_transaction
def exchange_message_within(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    """``exchange_message`` in the caller's transaction (the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    text = message_check(text, required=True)
    event = event_add(exchange, Event.MESSAGE, member=member, actor=actor, text=text)
    notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("A message from %(name)s about %(title)s"),
        template="message",
        message=text,
    )
    return event


@transaction.atomic(durable=True)
def exchange_agree(
    *,
    actor: Membership,
    exchange: Exchange,
    agreed_for: datetime,
    text: str = "",
    member: Membership | None = None,
) -> Exchange:
    """Settle (or change) the date and time the help will happen."""
    return exchange_agree_within(
        actor=actor, exchange=exchange, agreed_for=agreed_for, text=text, member=member
    )


@requires_transaction
def exchange_agree_within(
    *,
    actor: Membership,
    exchange: Exchange,
    agreed_for: datetime,
    text: str = "",
    member: Membership | None = None,
) -> Exchange:
    """``exchange_agree`` in the caller's transaction (the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    if not exchange.is_open:
        raise ValidationError(_("This exchange can't be changed any more."))
    if agreed_for < timezone.now() - CLOCK_SLACK:
        raise ValidationError(
            {"agreed_for": _("That time has passed. Choose a time in the future.")}
        )
    if agreed_for > timezone.now() + timedelta(days=MAX_LISTING_DAYS):
        raise ValidationError({"agreed_for": _("Choose a time within the next year.")})
    text = message_check(text, required=False)
    exchange.agreed_for = agreed_for
    exchange.status = Status.AGREED
    exchange.save(update_fields=["agreed_for", "status"])
    event_add(exchange, Event.AGREED, member=member, actor=actor, text=text)
    notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(title)s: a date is agreed"),
        template="agreed",
        message=text,
    )
    return exchange


@transaction.atomic(durable=True)
def exchange_thank(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    """Say thank you once the help has happened; the other side is told."""
    return exchange_thank_within(actor=actor, exchange=exchange, text=text, member=member)


@requires_transaction
def exchange_thank_within(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    """``exchange_thank`` in the caller's transaction (the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    if exchange.status not in (Status.RECORDED, Status.CONFIRMED):
        raise ValidationError(_("You can say thank you once the help has happened."))
    text = message_check(text, required=True)
    event = event_add(exchange, Event.THANKED, member=member, actor=actor, text=text)
    notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(name)s says thank you"),
        template="message",
        message=text,
    )
    return event


@transaction.atomic(durable=True)
def exchange_cancel(
    *, actor: Membership, exchange: Exchange, reason: str, member: Membership | None = None
) -> Exchange:
    """Either side cancels, with a reason: before the hours are recorded, or while they wait
    for confirmation (the hold is then released)."""
    return exchange_cancel_within(actor=actor, exchange=exchange, reason=reason, member=member)


@requires_transaction
def exchange_cancel_within(
    *, actor: Membership, exchange: Exchange, reason: str, member: Membership | None = None
) -> Exchange:
    """``exchange_cancel`` in the caller's transaction (the demo)."""
    exchange, member = locked_for(actor, exchange, member)
    if exchange.status == Status.CANCELLED:
        return exchange
    if exchange.status == Status.CONFIRMED:
        raise ValidationError(
            _("Confirmed hours can't be cancelled. Ask a coordinator to correct them.")
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Please say why, so the other person knows.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("Please keep it under 500 characters.")})
    if exchange.status == Status.RECORDED and exchange.transfer is not None:
        ledger.transfer_void_within(actor=actor, transfer=exchange.transfer, memo=reason)
    exchange.status = Status.CANCELLED
    exchange.cancelled_at = timezone.now()
    exchange.cancel_reason = reason
    exchange.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    event_add(exchange, Event.CANCELLED, member=member, actor=actor, text=reason)
    notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(title)s was cancelled"),
        template="cancelled",
        message=reason,
    )
    return exchange
