"""Helpers for exchange tests: communities with categories, members, listings, exchanges."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.exchanges import services
from coproduce.exchanges.models import Category, Exchange, Listing
from coproduce.ledger.services import community_accounts_open_within


def make_community(**kwargs: Any) -> Community:
    community = cast(Community, CommunityFactory(**kwargs))
    with transaction.atomic():
        community_accounts_open_within(community=community)
        services.categories_seed_within(community=community)
    return community


def make_member(community: Community, **kwargs: Any) -> Membership:
    return cast(Membership, MembershipFactory(community=community, **kwargs))


def category(community: Community, slug: str = "gardening") -> Category:
    return Category.objects.get(community=community, slug=slug)


def make_listing(owner: Membership, **kwargs: Any) -> Listing:
    kwargs.setdefault("kind", Listing.Kind.OFFER)
    kwargs.setdefault("category", category(owner.community, kwargs.pop("slug", "gardening")))
    kwargs.setdefault("title", "Help with gardening")
    return services.listing_create(actor=owner, **kwargs)


def make_exchange(giver: Membership, receiver: Membership, **kwargs: Any) -> Exchange:
    kwargs.setdefault("category", category(giver.community))
    kwargs.setdefault("title", "Gardening")
    return services.exchange_propose(actor=giver, giver=giver, receiver=receiver, **kwargs)


def record(exchange: Exchange, by: Membership, minutes: int = 90, **kwargs: Any) -> Exchange:
    kwargs.setdefault("idempotency_key", uuid.uuid4())
    kwargs.setdefault("given_at", timezone.now() - timedelta(hours=1))
    return services.exchange_record(actor=by, exchange=exchange, minutes=minutes, **kwargs)
