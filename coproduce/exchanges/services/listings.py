"""Offers and requests (listings), and the kinds of help they are filed under."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership
from coproduce.exchanges import permissions
from coproduce.exchanges.categories import DEFAULT_CATEGORIES
from coproduce.exchanges.models import Category, Listing
from coproduce.exchanges.search import normalise
from coproduce.exchanges.services._common import (
    CLOCK_SLACK,
    LISTING_DAYS,
    MAX_LISTING_DAYS,
)
from coproduce.people.models import Profile, Visibility
from coproduce.transactions import requires_transaction

SEARCH_TEXT_SOURCES = frozenset({"gives_tags", "visibility"})
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


# --- Categories -----------------------------------------------------------------------------------


@requires_transaction
def categories_seed_within(*, community: Community) -> None:
    """Give a new community the default kinds of help. Idempotent (the communities app's
    ``community_created`` hook, and the demo)."""
    existing = set(Category.objects.filter(community=community).values_list("slug", flat=True))
    Category.objects.bulk_create(
        [
            Category(community=community, slug=slug, name=name, position=position)
            for position, (slug, name, _label) in enumerate(DEFAULT_CATEGORIES)
            if slug not in existing
        ]
    )


# --- Listings -------------------------------------------------------------------------------------


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


@requires_transaction
def listings_owner_changed_within(profile: Profile, changed: frozenset[str]) -> None:
    """Keep the search text of someone's offers in step with their skills and who may see
    them (the communities app's ``profile_changed`` hook, inside ``profile_update``)."""
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
    return listing_create_within(
        actor=actor,
        kind=kind,
        category=category,
        title=title,
        description=description,
        place=place,
        venue=venue,
        when=when,
        starts_at=starts_at,
        capacity=capacity,
        expires_at=expires_at,
        owner=owner,
    )


@requires_transaction
def listing_create_within(
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
    """``listing_create`` in the caller's transaction (the demo)."""
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


@requires_transaction
def listing_renewal_reminded_within(*, listing: Listing) -> None:
    """For the reminders task: note that the owner was asked to renew."""
    Listing.objects.filter(pk=listing.pk).update(renewal_reminded_at=timezone.now())
