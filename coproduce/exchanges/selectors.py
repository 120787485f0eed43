"""Reads for listings and exchanges. Every selector that serves a page takes the acting
membership and never returns another community's rows; the notifications app's selectors
(digest, reminders) work across communities and say so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from coproduce.communities.models import Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.communities.selectors import profile_visible_parts
from coproduce.exchanges import permissions, search
from coproduce.exchanges.models import Category, Concern, Exchange, ExchangeEvent, Listing

Status = Exchange.Status


def category_list(*, actor: Membership) -> QuerySet[Category]:
    return Category.objects.filter(community_id=actor.community_id, is_active=True).order_by(
        "position", "name"
    )


def category_get(*, actor: Membership, slug: str) -> Category:
    category = category_list(actor=actor).filter(slug=slug).first()
    if category is None:
        raise Http404
    return category


def _listings(community_id: int) -> QuerySet[Listing]:
    return Listing.objects.select_related("owner__profile", "category", "community").filter(
        community_id=community_id
    )


def listings_open(*, actor: Membership) -> QuerySet[Listing]:
    return _listings(actor.community_id).filter(
        status=Listing.Status.OPEN, expires_at__gt=timezone.now()
    )


def listing_get(*, actor: Membership, pk: int) -> Listing:
    """Open listings for everyone in the community; closed ones for their owner and
    coordinators."""
    listing = _listings(actor.community_id).filter(pk=pk).first()
    if listing is None:
        raise Http404
    if not listing.is_open and not permissions.can_edit_listing(actor, listing):
        raise Http404
    return listing


def listings_of(*, actor: Membership, owner: Membership) -> QuerySet[Listing]:
    listings = _listings(actor.community_id).filter(owner=owner)
    if not permissions.can_edit_listing(
        actor, Listing(community_id=owner.community_id, owner=owner)
    ):
        listings = listings.filter(status=Listing.Status.OPEN, expires_at__gt=timezone.now())
    return listings.order_by("-created_at", "-pk")


@dataclass
class SearchFilters:
    query: str = ""
    kind: str = ""
    category: str = ""
    day: str = ""
    part: str = ""
    within_km: int | None = None


def _slots(day: str, part: str) -> list[str]:
    from coproduce.people.models import DAY_PARTS, WEEKDAYS

    days = [day] if day else [d for d, _label in WEEKDAYS]
    parts = [part] if part else [p for p, _label in DAY_PARTS]
    if not day and not part:
        return []
    return [f"{d}-{p}" for d in days for p in parts]


def listing_search(*, actor: Membership, filters: SearchFilters) -> list[search.SearchHit]:
    """Open listings ranked by relevance, then distance from the actor (see search.py)."""
    listings = listings_open(actor=actor)
    if filters.kind:
        listings = listings.filter(kind=filters.kind)
    if filters.category:
        listings = listings.filter(category__slug=filters.category)
    profile = actor.profile
    return search.rank(
        listings,
        query=filters.query,
        origin=(profile.approx_latitude, profile.approx_longitude),
        owner_parts=lambda owner: profile_visible_parts(viewer=actor, membership=owner),
        available=_slots(filters.day, filters.part),
        within_km=filters.within_km,
    )


# --- Exchanges ----------------------------------------------------------------------------------


def _exchanges(community_id: int) -> QuerySet[Exchange]:
    return Exchange.objects.select_related(
        "giver__profile",
        "receiver__profile",
        "recorded_by__profile",
        "category",
        "community",
        "transfer",
    ).filter(community_id=community_id)


def exchange_get(*, actor: Membership, pk: int) -> Exchange:
    exchange = _exchanges(actor.community_id).select_related("listing").filter(pk=pk).first()
    if exchange is None or not permissions.can_see_exchange(actor, exchange):
        raise Http404
    return exchange


def exchange_events(*, actor: Membership, exchange: Exchange) -> QuerySet[ExchangeEvent]:
    if not permissions.can_see_exchange(actor, exchange):
        raise Http404
    return (
        ExchangeEvent.objects.select_related("author__profile", "operator__profile")
        .filter(exchange=exchange)
        .order_by("created_at", "pk")
    )


def exchanges_of(*, actor: Membership, member: Membership | None = None) -> QuerySet[Exchange]:
    """A member's exchanges, most recently changed first."""
    member = member or actor
    if member.pk != actor.pk and not can_coordinate(actor):
        raise Http404
    return (
        _exchanges(actor.community_id)
        .filter(Q(giver=member) | Q(receiver=member))
        .order_by("-updated_at", "-pk")
    )


def exchanges_to_confirm(
    *, actor: Membership, member: Membership | None = None
) -> QuerySet[Exchange]:
    """Hours someone else recorded with the member, waiting for the member to confirm."""
    member = member or actor
    return (
        exchanges_of(actor=actor, member=member)
        .filter(status=Status.RECORDED)
        .exclude(recorded_by=member)
        .order_by("recorded_at", "pk")
    )


def exchanges_all(*, actor: Membership, status: str = "") -> QuerySet[Exchange]:
    """Every exchange in the community, for coordinators."""
    if not can_coordinate(actor):
        raise Http404
    exchanges = _exchanges(actor.community_id)
    if status:
        exchanges = exchanges.filter(status=status)
    return exchanges.order_by("-updated_at", "-pk")


def concern_list(*, actor: Membership, is_open: bool | None = None) -> QuerySet[Concern]:
    """Concerns of the community, for coordinators: all, or only those still open
    (``is_open=True``) or already dealt with (``is_open=False``)."""
    if not permissions.can_see_concerns(actor):
        raise Http404
    concerns = Concern.objects.select_related(
        "exchange", "raised_by__profile", "operator__profile", "resolved_by__profile"
    ).filter(community_id=actor.community_id)
    if is_open is not None:
        concerns = concerns.filter(resolved_at__isnull=is_open)
    return concerns


def concern_get(*, actor: Membership, pk: int) -> Concern:
    concern = concern_list(actor=actor).filter(pk=pk).first()
    if concern is None:
        raise Http404
    return concern


def members_to_choose(*, actor: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("profile")
        .filter(community_id=actor.community_id, status=Membership.Status.ACTIVE)
        .order_by("profile__display_name", "pk")
    )


def member_choose(*, actor: Membership, pk: int) -> Membership:
    member = members_to_choose(actor=actor).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


# --- The member's home page ---------------------------------------------------------------------


def listings_for_me(*, actor: Membership, limit: int = 5) -> list[Listing]:
    """New listings from others in the kinds of help I want (requests) and can give (offers)."""
    profile = actor.profile
    wanted = list(profile.needs_categories or [])
    can_give = list(profile.gives_categories or [])
    if not wanted and not can_give:
        return []
    condition = Q(kind=Listing.Kind.OFFER, category__slug__in=wanted) | Q(
        kind=Listing.Kind.REQUEST, category__slug__in=can_give
    )
    return list(
        listings_open(actor=actor)
        .filter(condition)
        .exclude(owner=actor)
        .order_by("-created_at", "-pk")[:limit]
    )


def offer_suggestions(*, actor: Membership, limit: int = 3) -> list[Category]:
    """Kinds of help people are asking for that I have not offered yet: ideas for what I
    could give. Requests in my own skills come first."""
    asked = (
        listings_open(actor=actor)
        .filter(kind=Listing.Kind.REQUEST)
        .exclude(owner=actor)
        .values_list("category_id", flat=True)
        .distinct()
    )
    offered = Listing.objects.filter(
        owner=actor, kind=Listing.Kind.OFFER, status=Listing.Status.OPEN
    ).values_list("category_id", flat=True)
    mine = list(actor.profile.gives_categories or [])
    categories = list(
        category_list(actor=actor).filter(pk__in=asked).exclude(pk__in=offered)[: limit * 4]
    )
    categories.sort(key=lambda category: (category.slug not in mine, category.position))
    return categories[:limit]


# --- For the notifications app: digest and reminders (across communities) ----------------------


def listings_matching_interests(*, membership: Membership, since: datetime) -> QuerySet[Listing]:
    """Open listings by others, created since ``since``, in the kinds of help the member wants
    (offers) or can give (requests). For the weekly digest."""
    profile = membership.profile
    wanted = list(profile.needs_categories or [])
    can_give = list(profile.gives_categories or [])
    return (
        _listings(membership.community_id)
        .filter(
            Q(kind=Listing.Kind.OFFER, category__slug__in=wanted)
            | Q(kind=Listing.Kind.REQUEST, category__slug__in=can_give),
            status=Listing.Status.OPEN,
            expires_at__gt=timezone.now(),
            created_at__gte=since,
        )
        .exclude(owner=membership)
        .order_by("-created_at", "-pk")
    )


def exchanges_awaiting_confirmation(*, older_than: timedelta) -> QuerySet[Exchange]:
    """Recorded hours waiting longer than ``older_than`` for the other side (in every
    community). The member to remind is the side that did not record them."""
    return (
        Exchange.objects.select_related(
            "community", "giver__profile", "receiver__profile", "recorded_by"
        )
        .filter(status=Status.RECORDED, recorded_at__lte=timezone.now() - older_than)
        .order_by("recorded_at", "pk")
    )


def exchange_confirmer(*, exchange: Exchange) -> Membership:
    """Who is asked to confirm a recorded exchange."""
    return exchange.receiver if exchange.recorded_by_id == exchange.giver_id else exchange.giver


# The confirming side (the one that did not record the hours) has no login.
_CONFIRMER_HAS_NO_LOGIN = Q(recorded_by=F("giver"), receiver__user__isnull=True) | Q(
    recorded_by=F("receiver"), giver__user__isnull=True
)


def exchange_confirms_itself(*, exchange: Exchange) -> bool:
    """Whether recorded hours may be confirmed automatically when nobody answers: only when
    the person who confirms can sign in and was told. For a member without a login, silence
    is not agreement: a coordinator confirms on their behalf, however long it takes."""
    return exchange_confirmer(exchange=exchange).has_login


def exchange_auto_confirm_at(*, exchange: Exchange) -> datetime | None:
    """When recorded hours will confirm themselves, or None if they never will."""
    days = exchange.community.exchange_auto_confirm_days
    if not days or exchange.recorded_at is None or not exchange_confirms_itself(exchange=exchange):
        return None
    return exchange.recorded_at + timedelta(days=days)


def exchanges_due_to_confirm_themselves(
    *, community_id: int, recorded_before: datetime
) -> QuerySet[Exchange]:
    """For the auto-confirm job: recorded hours in one community that nobody answered since
    ``recorded_before`` and that may confirm themselves (see exchange_confirms_itself)."""
    return (
        Exchange.objects.filter(
            community_id=community_id, status=Status.RECORDED, recorded_at__lte=recorded_before
        )
        .exclude(_CONFIRMER_HAS_NO_LOGIN)
        .order_by("recorded_at", "pk")
    )


def exchanges_waiting_for_a_coordinator(*, actor: Membership) -> QuerySet[Exchange]:
    """Recorded hours that a member without a login must confirm: a coordinator does it for
    them (they are never confirmed automatically). Oldest first, for coordinators."""
    if not can_coordinate(actor):
        raise Http404
    return (
        _exchanges(actor.community_id)
        .filter(_CONFIRMER_HAS_NO_LOGIN, status=Status.RECORDED)
        .order_by("recorded_at", "pk")
    )


def listings_expiring(*, within: timedelta) -> QuerySet[Listing]:
    """Open listings that close within ``within`` and whose owner was not yet reminded to
    renew them (in every community). Mark with services.listing_renewal_reminded_within."""
    now = timezone.now()
    return (
        Listing.objects.select_related("community", "owner__profile", "category")
        .filter(
            status=Listing.Status.OPEN,
            expires_at__gt=now,
            expires_at__lte=now + within,
            renewal_reminded_at__isnull=True,
        )
        .order_by("expires_at", "pk")
    )
