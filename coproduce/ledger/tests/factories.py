"""Typed helpers for ledger tests. Accounts are opened by the services, as in real use."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.db import transaction
from django.test import Client

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)
from coproduce.ledger import services
from coproduce.ledger.models import Account, Transfer


def make_community(**kwargs: Any) -> Community:
    community = cast(Community, CommunityFactory(**kwargs))
    with transaction.atomic():
        services.community_accounts_open_within(community=community)
    return community


def make_member(community: Community, **kwargs: Any) -> Membership:
    """An active member; without a login unless ``with_login=True`` (hashing is slow)."""
    if not kwargs.pop("with_login", False):
        kwargs.setdefault("user", None)
    return cast(Membership, MembershipFactory(community=community, **kwargs))


def make_coordinator(community: Community, **kwargs: Any) -> Membership:
    if not kwargs.pop("with_login", False):
        kwargs.setdefault("user", None)
    return cast(Membership, CoordinatorFactory(community=community, **kwargs))


def account_of(membership: Membership) -> Account:
    return Account.objects.get(kind=Account.Kind.MEMBER, membership=membership)


def community_account(community: Community, kind: str) -> Account:
    return Account.objects.get(community=community, kind=kind)


def pay(
    actor: Membership, debit: Account, credit: Account, minutes: int, **kwargs: Any
) -> Transfer:
    kwargs.setdefault("kind", Transfer.Kind.ADJUSTMENT)
    kwargs.setdefault("idempotency_key", uuid.uuid4())
    return services.transfer_create(
        actor=actor, debit=debit, credit=credit, minutes=minutes, **kwargs
    )


def linked() -> tuple[Membership, Membership, Membership, Membership]:
    """Two linked communities (up to 10:00 one way, 5:00 the other): their coordinators, a
    giver on the first side and a parent on the other."""
    here, there = make_community(), make_community()
    here_boss, there_boss = make_coordinator(here), make_coordinator(there)
    link = services.community_link_create(
        actor=here_boss, partner_slug=there.slug, limit_to_partner=600, limit_from_partner=300
    )
    services.community_link_accept(actor=there_boss, link=link)
    return here_boss, there_boss, make_member(here), make_member(there)


def signed_in(membership: Membership, *, second_factor: bool = False) -> Client:
    """A browser client signed in as the member (coordinators need a second factor)."""
    assert membership.user is not None
    if second_factor:
        from coproduce.people.tests.sign_in import sign_in_with_second_factor

        return sign_in_with_second_factor(membership.user)
    client = Client()
    client.force_login(membership.user)
    return client
