"""Every role a person can hold, for each app's permission table (``tests/test_permissions.py``):
who they are as seen from one community, and a browser signed in the way they really sign in.

Roles combine on a membership (DESIGN §2); each role here is held alone, so a table shows what
that one role adds. Partners, referrers and observers hold their role without the member role,
as the demo's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.test import Client

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from coproduce.people.models import User

ANONYMOUS = "anonymous"
MEMBER = "member"
PARTNER = "partner"
REFERRER = "referrer"
OBSERVER = "observer"
COORDINATOR = "coordinator"
ADMIN = "admin"
ASKED_TO_JOIN = "asked to join"
LEFT = "left"
MEMBER_ELSEWHERE = "member elsewhere"
COORDINATOR_ELSEWHERE = "coordinator elsewhere"
OPERATOR = "operator"

ROLES = (
    ANONYMOUS,
    MEMBER,
    PARTNER,
    REFERRER,
    OBSERVER,
    COORDINATOR,
    ADMIN,
    ASKED_TO_JOIN,
    LEFT,
    MEMBER_ELSEWHERE,
    COORDINATOR_ELSEWHERE,
    OPERATOR,
)
# Active in the community, without a staff role.
MEMBER_ROLES = frozenset({MEMBER, PARTNER, REFERRER, OBSERVER})
# Coordinators and administrators of the community.
STAFF_ROLES = frozenset({COORDINATOR, ADMIN})
# Signed in, but with no active membership of the community: its pages are not found.
OUTSIDER_ROLES = frozenset({ASKED_TO_JOIN, LEFT, MEMBER_ELSEWHERE, COORDINATOR_ELSEWHERE, OPERATOR})
# Must pass the second factor to use the site at all (DESIGN §4).
SECOND_FACTOR_ROLES = frozenset({COORDINATOR, ADMIN, COORDINATOR_ELSEWHERE, OPERATOR})


@dataclass
class Person:
    role: str
    user: User | None
    membership: Membership | None

    def client(self) -> Client:
        """A browser signed in as this person: staff through the password and their
        authenticator's code, everyone else as after a password sign-in."""
        if self.user is None:
            return Client()
        if self.role in SECOND_FACTOR_ROLES:
            from coproduce.people.tests.sign_in import sign_in_with_second_factor

            return sign_in_with_second_factor(self.user)
        client = Client()
        client.force_login(self.user)
        return client


# What each role sets on the membership.
_FIELDS: dict[str, dict[str, Any]] = {
    MEMBER: {},
    PARTNER: {"is_member": False, "is_partner": True},
    REFERRER: {"is_member": False, "is_referrer": True},
    OBSERVER: {"is_member": False, "is_observer": True},
    COORDINATOR: {"is_coordinator": True},
    ADMIN: {"is_admin": True},
    ASKED_TO_JOIN: {"status": Membership.Status.PENDING},
    LEFT: {"status": Membership.Status.LEFT},
    MEMBER_ELSEWHERE: {},
    COORDINATOR_ELSEWHERE: {"is_coordinator": True},
}


def _membership(community: Community, **kwargs: Any) -> Membership:
    return cast(Membership, MembershipFactory(community=community, **kwargs))


def person(role: str, community: Community, **membership: Any) -> Person:
    """Someone holding ``role`` as seen from ``community``: in it, in another community (the
    "elsewhere" roles), or running the site with no membership at all (the operator).
    ``membership`` passes on to the factory (``profile__display_name=...``)."""
    if role == ANONYMOUS:
        return Person(role, None, None)
    if role == OPERATOR:
        return Person(role, cast(User, UserFactory(is_staff=True, is_superuser=True)), None)
    fields = dict(_FIELDS[role])
    if role == PARTNER:
        fields["organisation"] = OrganisationFactory(community=community)
    if role in (MEMBER_ELSEWHERE, COORDINATOR_ELSEWHERE):
        community = cast(Community, CommunityFactory())
    found = _membership(community, **fields, **membership)
    return Person(role, found.user, found)
