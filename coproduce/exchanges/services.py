"""Writes for listings and exchanges. Each public service opens the outermost transaction.

Recording hours puts them on hold in the ledger (the receiver pays the giver); the other side
confirms (the hold is posted) or either side cancels (it is voided). A coordinator may take any
step for a member: ``member`` is whom it is for, ``actor`` who did it, and both are kept.
The demo builder runs these inside its own transaction through ``service.__wrapped__``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coproduce.communities.models import Community, Membership
from coproduce.exchanges import permissions, selectors
from coproduce.exchanges.categories import DEFAULT_CATEGORIES
from coproduce.exchanges.models import (
    MAX_EXCHANGE_MINUTES,
    Category,
    Concern,
    Exchange,
    ExchangeEvent,
    Listing,
)
from coproduce.exchanges.search import normalise
from coproduce.ledger import services as ledger
from coproduce.ledger.models import Account, Transfer
from coproduce.people.models import Profile, Visibility

Status = Exchange.Status
Event = ExchangeEvent.Kind
LISTING_DAYS = 90
MAX_LISTING_DAYS = 366
# A moment of clock difference between a phone and the server is not "the past" or "the future".
CLOCK_SLACK = timedelta(minutes=5)


# --- Notifications (the notifications app sends them after commit) ------------------------------


def _notify(
    *, member: Membership, topic: str, subject: str, template: str, context: dict[str, Any]
) -> None:
    try:
        from coproduce.notifications.services import notification_send
    except ImportError:  # the notifications app is not installed in this deployment
        return
    notification_send(
        membership=member, topic=topic, subject=subject, template=template, context=context
    )


def _notify_other_side(
    exchange: Exchange, member: Membership, *, topic: str, subject: str, template: str, **extra: Any
) -> None:
    other = exchange.other_side(member)
    _notify(
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


# --- Categories ---------------------------------------------------------------------------------


def categories_seed(*, community: Community) -> None:
    """Give a new community the default kinds of help. Idempotent; joins the caller's
    transaction (community_create and the demo)."""
    existing = set(Category.objects.filter(community=community).values_list("slug", flat=True))
    Category.objects.bulk_create(
        [
            Category(community=community, slug=slug, name=name, position=position)
            for position, (slug, name, _label) in enumerate(DEFAULT_CATEGORIES)
            if slug not in existing
        ]
    )


# --- Listings -----------------------------------------------------------------------------------


def listing_search_text(listing: Listing) -> str:
    """What search reads: the listing's words and, for an offer, the owner's skills in their
    own words if they show them to members. The text is shared by every searcher, so it holds
    only what every member may see (a coordinator finds hidden skills on the profile)."""
    owner_tags = ""
    profile = getattr(listing.owner, "profile", None)
    if (
        profile is not None
        and listing.kind == Listing.Kind.OFFER
        and "gives" in profile.parts_seen_by(Visibility.MEMBERS)
    ):
        owner_tags = profile.gives_tags
    parts = [listing.title, listing.description, listing.category.name, owner_tags]
    return normalise(" ".join(part for part in parts if part))[:5000]


SEARCH_TEXT_SOURCES = frozenset({"gives_tags", "visibility"})


def listings_owner_changed(profile: Profile, changed: frozenset[str]) -> None:
    """Keep the search text of someone's offers in step with their skills and who may see
    them (the communities app calls this inside its profile_update transaction)."""
    if not changed & SEARCH_TEXT_SOURCES:
        return
    offers = list(
        Listing.objects.select_related("category", "owner__profile")
        .filter(owner_id=profile.membership_id, kind=Listing.Kind.OFFER)
        .order_by("pk")
    )
    for listing in offers:
        listing.search_text = listing_search_text(listing)
    Listing.objects.bulk_update(offers, ["search_text"])


def _listing_check(listing: Listing) -> None:
    now = timezone.now()
    errors: dict[str, str] = {}
    if not listing.title.strip():
        errors["title"] = _("Give it a short title.")
    if listing.category.community_id != listing.community_id:
        errors["category"] = _("Choose a kind of help from this community's list.")
    if listing.expires_at <= now:
        errors["expires_at"] = _("Choose a date in the future.")
    elif listing.expires_at > now + timedelta(days=MAX_LISTING_DAYS):
        errors["expires_at"] = _("A listing can stay open for a year at most; you can renew it.")
    if listing.starts_at is not None and listing.starts_at < now - CLOCK_SLACK:
        errors["starts_at"] = _("That time has passed. Choose a time in the future.")
    if listing.place == Listing.Place.VENUE and not listing.venue.strip():
        errors["venue"] = _("Say which venue.")
    if errors:
        raise ValidationError(errors)
    listing.full_clean(exclude=["community", "owner", "category", "created_by"])


LISTING_FIELDS = (
    "kind",
    "category",
    "title",
    "description",
    "place",
    "venue",
    "when",
    "starts_at",
    "capacity",
    "expires_at",
)


@transaction.atomic(durable=True)
def listing_create(
    *,
    actor: Membership,
    kind: str,
    category: Category,
    title: str,
    description: str = "",
    place: str = Listing.Place.YOUR_HOME,
    venue: str = "",
    when: str = "",
    starts_at: datetime | None = None,
    capacity: int = 1,
    expires_at: datetime | None = None,
    owner: Membership | None = None,
) -> Listing:
    """Offer or ask for help. A coordinator may write it for a member (``owner``)."""
    owner = owner or actor
    if not permissions.can_act_for(actor, owner):
        raise PermissionDenied
    listing = Listing(
        community_id=actor.community_id,
        owner=owner,
        kind=kind,
        category=category,
        title=title.strip(),
        description=description.strip(),
        place=place,
        venue=venue.strip(),
        when=when.strip(),
        starts_at=starts_at,
        capacity=capacity,
        expires_at=expires_at or timezone.now() + timedelta(days=LISTING_DAYS),
        created_by=actor,
    )
    _listing_check(listing)
    listing.search_text = listing_search_text(listing)
    listing.save()
    return listing


@transaction.atomic(durable=True)
def listing_update(*, actor: Membership, listing: Listing, **changes: Any) -> Listing:
    if not permissions.can_edit_listing(actor, listing):
        raise PermissionDenied
    unknown = set(changes) - set(LISTING_FIELDS)
    if unknown:
        raise ValueError(f"Not listing fields: {sorted(unknown)}")
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("owner__profile")
        .get(pk=listing.pk)
    )
    for field, value in changes.items():
        setattr(listing, field, value.strip() if isinstance(value, str) else value)
    _listing_check(listing)
    listing.search_text = listing_search_text(listing)
    listing.save(update_fields=[*changes.keys(), "search_text", "updated_at"])
    return listing


@transaction.atomic(durable=True)
def listing_renew(*, actor: Membership, listing: Listing, days: int = LISTING_DAYS) -> Listing:
    """Keep a listing open for another ``days`` from today (and open it again if closed)."""
    if not permissions.can_edit_listing(actor, listing):
        raise PermissionDenied
    if not 1 <= days <= MAX_LISTING_DAYS:
        raise ValidationError(_("Choose between 1 and 366 days."))
    listing = Listing.objects.select_for_update(of=("self",)).get(pk=listing.pk)
    listing.expires_at = timezone.now() + timedelta(days=days)
    listing.status = Listing.Status.OPEN
    listing.renewal_reminded_at = None
    listing.save(update_fields=["expires_at", "status", "renewal_reminded_at", "updated_at"])
    return listing


@transaction.atomic(durable=True)
def listing_close(*, actor: Membership, listing: Listing) -> Listing:
    if not permissions.can_edit_listing(actor, listing):
        raise PermissionDenied
    listing = Listing.objects.select_for_update(of=("self",)).get(pk=listing.pk)
    listing.status = Listing.Status.CLOSED
    listing.save(update_fields=["status", "updated_at"])
    return listing


def listing_renewal_reminded(*, listing: Listing) -> None:
    """For the reminders task: note that the owner was asked to renew (joins its transaction)."""
    Listing.objects.filter(pk=listing.pk).update(renewal_reminded_at=timezone.now())


# --- Exchanges: starting ------------------------------------------------------------------------


def _event(
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


def _acting_member(actor: Membership, member: Membership | None) -> Membership:
    member = member or actor
    if not permissions.can_act_for(actor, member):
        raise PermissionDenied
    return member


def _message_check(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise ValidationError({"text": _("Write a message first.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("Please keep it under 2,000 characters.")})
    return text


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
    member = _acting_member(actor, member)
    if member.pk not in (giver.pk, receiver.pk):
        raise PermissionDenied
    if giver.pk == receiver.pk:
        raise ValidationError(_("An exchange needs two different people."))
    for person in (giver, receiver):
        if person.community_id != actor.community_id or not person.is_active:
            raise ValidationError(_("Both people must be active members of this community."))
    if category.community_id != actor.community_id:
        raise ValidationError({"category": _("Choose a kind of help from this community's list.")})
    text = _message_check(message, required=False)
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
    _event(exchange, kind, member=member, actor=actor, text=text)
    subject = (
        gettext_noop("%(name)s asked you for help: %(title)s")
        if kind == Event.ASKED
        else gettext_noop("%(name)s offered to help: %(title)s")
    )
    _notify_other_side(
        exchange, member, topic="requests", subject=subject, template="request", message=text
    )
    return exchange


@transaction.atomic(durable=True)
def exchange_start_from_listing(
    *, actor: Membership, listing: Listing, message: str, member: Membership | None = None
) -> Exchange:
    """Answer a listing: ask for the help offered, or offer the help asked for."""
    member = member or actor
    if listing.kind == Listing.Kind.OFFER:
        giver, receiver = listing.owner, member
    else:
        giver, receiver = member, listing.owner
    return exchange_propose.__wrapped__(  # type: ignore[attr-defined]
        actor=actor,
        giver=giver,
        receiver=receiver,
        category=listing.category,
        title=listing.title,
        message=message,
        listing=listing,
        member=member,
    )


# --- Exchanges: the thread ----------------------------------------------------------------------


def _locked_for(
    actor: Membership, exchange: Exchange, member: Membership | None
) -> tuple[Exchange, Membership]:
    member = _acting_member(actor, member)
    if exchange.community_id != actor.community_id or not exchange.is_party(member):
        raise PermissionDenied
    locked = (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("community", "giver__profile", "receiver__profile", "category", "transfer")
        .get(pk=exchange.pk)
    )
    return locked, member


@transaction.atomic(durable=True)
def exchange_message(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    exchange, member = _locked_for(actor, exchange, member)
    text = _message_check(text, required=True)
    event = _event(exchange, Event.MESSAGE, member=member, actor=actor, text=text)
    _notify_other_side(
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
    exchange, member = _locked_for(actor, exchange, member)
    if not exchange.is_open:
        raise ValidationError(_("This exchange can't be changed any more."))
    if agreed_for < timezone.now() - CLOCK_SLACK:
        raise ValidationError(
            {"agreed_for": _("That time has passed. Choose a time in the future.")}
        )
    if agreed_for > timezone.now() + timedelta(days=MAX_LISTING_DAYS):
        raise ValidationError({"agreed_for": _("Choose a time within the next year.")})
    text = _message_check(text, required=False)
    exchange.agreed_for = agreed_for
    exchange.status = Status.AGREED
    exchange.save(update_fields=["agreed_for", "status"])
    _event(exchange, Event.AGREED, member=member, actor=actor, text=text)
    _notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(title)s: a date is agreed"),
        template="agreed",
        message=text,
    )
    return exchange


# --- Exchanges: hours ---------------------------------------------------------------------------


def _member_account(member: Membership) -> Account:
    return ledger.member_account_open(membership=member)


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
    exchange, member = _locked_for(actor, exchange, member)
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
    text = _message_check(text, required=False)
    hold = ledger.transfer_hold(
        actor=actor,
        debit=_member_account(exchange.receiver),
        credit=_member_account(exchange.giver),
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
    _event(exchange, Event.RECORDED, member=member, actor=actor, text=text)
    _notify_other_side(
        exchange,
        member,
        topic="confirmations",
        subject=gettext_noop("Please confirm %(time)s for %(title)s"),
        time=_hours(minutes),
        template="recorded",
        minutes=minutes,
        credits=hold.minutes,
        confirm_by=selectors.exchange_auto_confirm_at(exchange=exchange),
    )
    return exchange


def _hours(minutes: int) -> str:
    from coproduce.ledger.templatetags.ledger import minutes_display

    return minutes_display(minutes)


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
    exchange, member = _locked_for(actor, exchange, member)
    if exchange.status == Status.CONFIRMED:
        return exchange
    if exchange.status != Status.RECORDED:
        raise ValidationError(_("There are no hours waiting to be confirmed."))
    if not can_confirm(member, exchange):
        raise PermissionDenied(_("The other person confirms the hours you recorded."))
    assert exchange.transfer is not None  # noqa: S101 - recorded exchanges have a hold
    ledger.transfer_post(actor=actor, transfer=exchange.transfer, memo=exchange.title)
    exchange.status = Status.CONFIRMED
    exchange.confirmed_at = timezone.now()
    exchange.save(update_fields=["status", "confirmed_at"])
    _event(exchange, Event.CONFIRMED, member=member, actor=actor)
    _notify_other_side(
        exchange,
        member,
        topic="confirmations",
        subject=gettext_noop("%(name)s confirmed your hours for %(title)s"),
        template="confirmed",
    )
    return exchange


@transaction.atomic(durable=True)
def exchange_cancel(
    *, actor: Membership, exchange: Exchange, reason: str, member: Membership | None = None
) -> Exchange:
    """Either side cancels, with a reason: before the hours are recorded, or while they wait
    for confirmation (the hold is then released)."""
    exchange, member = _locked_for(actor, exchange, member)
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
        ledger.transfer_void(actor=actor, transfer=exchange.transfer, memo=reason)
    exchange.status = Status.CANCELLED
    exchange.cancelled_at = timezone.now()
    exchange.cancel_reason = reason
    exchange.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    _event(exchange, Event.CANCELLED, member=member, actor=actor, text=reason)
    _notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(title)s was cancelled"),
        template="cancelled",
        message=reason,
    )
    return exchange


@transaction.atomic(durable=True)
def exchange_thank(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> ExchangeEvent:
    exchange, member = _locked_for(actor, exchange, member)
    if exchange.status not in (Status.RECORDED, Status.CONFIRMED):
        raise ValidationError(_("You can say thank you once the help has happened."))
    text = _message_check(text, required=True)
    event = _event(exchange, Event.THANKED, member=member, actor=actor, text=text)
    _notify_other_side(
        exchange,
        member,
        topic="messages",
        subject=gettext_noop("%(name)s says thank you"),
        template="message",
        message=text,
    )
    return event


@transaction.atomic(durable=True)
def exchange_concern_raise(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> Concern:
    """Tell the coordinators, privately, that something is wrong. The other side never sees it."""
    exchange, member = _locked_for(actor, exchange, member)
    text = _message_check(text, required=True)
    concern = Concern(
        community_id=exchange.community_id,
        exchange=exchange,
        raised_by=member,
        operator=actor,
        text=text,
    )
    concern.save()
    coordinators = Membership.objects.select_related("community", "profile").filter(
        Q(is_coordinator=True) | Q(is_admin=True),
        community_id=exchange.community_id,
        status=Membership.Status.ACTIVE,
    )
    for coordinator in coordinators:
        _notify(
            member=coordinator,
            topic="messages",
            subject=gettext_noop("A concern about an exchange in %(community)s"),
            template="exchanges/email/concern.txt",
            context={
                "exchange": exchange,
                "community": exchange.community,
                "from_name": str(member),
                "to_name": str(coordinator),
                "path": exchange.get_absolute_url(),
                "message": text,
            },
        )
    return concern


# --- Group exchanges ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def concern_resolve(*, actor: Membership, concern: Concern, resolution: str) -> Concern:
    """A coordinator says what was done about a concern; it then leaves the open list. Once."""
    if not permissions.can_see_concerns(actor) or concern.community_id != actor.community_id:
        raise PermissionDenied
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.resolved_at is not None:
        raise ValidationError(_("This concern has already been dealt with."))
    concern.resolution = _message_check(resolution, required=True)
    concern.resolved_at = timezone.now()
    concern.resolved_by = actor
    concern.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return concern


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
            debit=_member_account(exchange.receiver),
            credit=_member_account(exchange.giver),
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
    transfers = ledger.transfer_batch_create(actor=actor, legs=legs, batch_id=idempotency_key)
    for exchange, transfer in zip(exchanges, transfers, strict=True):
        exchange.transfer = transfer
        exchange.save(update_fields=["transfer"])
        _event(exchange, Event.RECORDED, member=None, actor=actor)
    return exchanges


# --- Confirming automatically -------------------------------------------------------------------


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
    ledger.transfer_post_automatically(transfer=exchange.transfer, memo=exchange.title)
    exchange.status = Status.CONFIRMED
    exchange.confirmed_at = timezone.now()
    exchange.save(update_fields=["status", "confirmed_at"])
    _event(exchange, Event.AUTO_CONFIRMED, member=None, actor=None)
    for person in (exchange.giver, exchange.receiver):
        _notify(
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
    if not permissions.can_assist(actor):
        raise PermissionDenied
    already = Exchange.objects.filter(
        community_id=actor.community_id, record_key=idempotency_key
    ).first()
    if already is not None:
        return already
    exchange = exchange_propose.__wrapped__(  # type: ignore[attr-defined]
        actor=actor, giver=giver, receiver=receiver, category=category, title=title, member=giver
    )
    exchange = exchange_record.__wrapped__(  # type: ignore[attr-defined]
        actor=actor,
        exchange=exchange,
        minutes=minutes,
        given_at=given_at,
        idempotency_key=idempotency_key,
        member=giver,
    )
    if confirm_now:
        exchange = exchange_confirm.__wrapped__(  # type: ignore[attr-defined]
            actor=actor, exchange=exchange, member=receiver
        )
    return exchange
