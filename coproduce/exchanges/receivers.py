"""What exchanges does when the layers below announce something, and what it answers when they
ask (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Mapping

from coproduce.communities.hooks import DemoCommunityBuilt, KindOfHelp, ProfileChanged
from coproduce.communities.models import Community, Membership
from coproduce.exchanges import selectors, services
from coproduce.exchanges.demo import exchanges_demo_build
from coproduce.exchanges.models import Category


def categories_seed(community: Community) -> None:
    services.categories_seed_within(community=community)


def kinds_of_help(community_id: int) -> list[KindOfHelp]:
    """The community's categories, in list order, those no longer in use too."""
    return [
        KindOfHelp(slug=category.slug, label=category.label, is_active=category.is_active)
        for category in Category.objects.filter(community_id=community_id)
    ]


def member_home(actor: Membership) -> Mapping[str, object]:
    """Hours to confirm, the member's exchanges, listings for them and what they could give."""
    return {
        "to_confirm": list(selectors.exchanges_to_confirm(actor=actor)[:10]),
        "my_exchanges": list(selectors.exchanges_of(actor=actor).exclude(status="cancelled")[:5]),
        "for_me": selectors.listings_for_me(actor=actor),
        "suggestions": selectors.offer_suggestions(actor=actor),
    }


def demo_community_built(built: DemoCommunityBuilt) -> None:
    exchanges_demo_build(
        community=built.community,
        memberships=built.memberships,
        organisations=built.organisations,
    )


def listings_owner_changed(change: ProfileChanged) -> None:
    services.listings_owner_changed_within(change.profile, change.changed)
