"""What the communities layer announces to the apps above it, and what it asks them.

The apps above (ledger, exchanges, …) register in their ``AppConfig.ready()``; this app never
imports them. Receivers run inside the caller's transaction, in ``INSTALLED_APPS`` order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.hooks import Hook
from coproduce.people.models import Profile

community_created: Hook[Community, None] = Hook("community_created")
"""A community was just created (the service, the operators' admin, the demo): give it what
every community starts with. The ledger opens its accounts; exchanges seeds its kinds of help."""

membership_activated: Hook[Membership, None] = Hook("membership_activated")
"""A membership has just become active (joined, approved, invited, registered by a coordinator,
saved active in the admin). The ledger opens the member's account."""

member_home: Hook[Membership, Mapping[str, object]] = Hook("member_home")
"""What the member's home page shows from the apps above: each receiver answers with its part
of the page's context (the ledger: ``account``; exchanges: hours to confirm, listings, …)."""


@dataclass(frozen=True)
class ProfileChanged:
    profile: Profile
    changed: frozenset[str]
    """The names of the fields that changed."""


profile_changed: Hook[ProfileChanged, None] = Hook("profile_changed")
"""A member's profile was saved with these fields changed. Exchanges rebuilds the search text of
the member's offers, which carries their skills only when members may see them."""


@dataclass(frozen=True)
class KindOfHelp:
    slug: str
    label: str
    is_active: bool


kinds_of_help: Hook[int, Iterable[KindOfHelp]] = Hook("kinds_of_help")
"""The kinds of help a community (by id) uses, in list order. Profiles say what a member can
give and needs with these slugs; exchanges answers with its categories."""


def community_kinds_of_help(community_id: int, *, in_use_only: bool = True) -> list[KindOfHelp]:
    """Every app's answer to ``kinds_of_help``; only those still in use unless told otherwise."""
    return [
        kind
        for answer in kinds_of_help.run(community_id)
        for kind in answer
        if kind.is_active or not in_use_only
    ]


@dataclass(frozen=True)
class DemoCommunityBuilt:
    community: Community
    memberships: dict[str, Membership]
    """By the demo person's key: "coordinator", "member", "member2", "member3", "nologin", …"""
    organisations: dict[str, Organisation]
    """By name."""


demo_community_built: Hook[DemoCommunityBuilt, None] = Hook("demo_community_built")
"""A demo community and its people exist: each app adds its demo data (the ledger a year of
time credits, exchanges listings and exchanges). tests/test_tenancy.py runs it too, so whatever
an app adds here is walked as another community's data."""
