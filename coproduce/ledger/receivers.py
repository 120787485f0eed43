"""What the ledger does when the layers below announce something (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Mapping

from coproduce.communities.hooks import DemoCommunityBuilt
from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.demo import ledger_demo_build
from coproduce.ledger.models import Account


def community_accounts_open(community: Community) -> None:
    services.community_accounts_open_within(community=community)


def member_account_open(membership: Membership) -> None:
    services.member_account_open_within(membership=membership)


def member_home(actor: Membership) -> Mapping[str, object]:
    """The member's balance on their home page."""
    return {"account": Account.objects.filter(kind=Account.Kind.MEMBER, membership=actor).first()}


def demo_community_built(built: DemoCommunityBuilt) -> None:
    ledger_demo_build(
        community=built.community,
        memberships=built.memberships,
        organisations=built.organisations,
    )
