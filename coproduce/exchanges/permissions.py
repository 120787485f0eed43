"""Who may do what with listings and exchanges. Views, the API and services all ask here."""

from __future__ import annotations

from coproduce.communities.models import Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.exchanges.models import Exchange, Listing


def can_act_for(actor: Membership, member: Membership) -> bool:
    """A member acts for themselves; a coordinator for anyone in their community (assisted
    mode, for members with no login, by phone or on paper)."""
    if not actor.is_active or not member.is_active or actor.community_id != member.community_id:
        return False
    return actor.pk == member.pk or can_coordinate(actor)


def can_assist(actor: Membership) -> bool:
    return can_coordinate(actor)


def can_see_exchange(actor: Membership, exchange: Exchange) -> bool:
    if not actor.is_active or actor.community_id != exchange.community_id:
        return False
    return exchange.is_party(actor) or can_coordinate(actor)


def can_edit_listing(actor: Membership, listing: Listing) -> bool:
    if not actor.is_active or actor.community_id != listing.community_id:
        return False
    return actor.pk == listing.owner_id or can_coordinate(actor)


def can_record_group(actor: Membership) -> bool:
    """Group sessions (one giver to many, many to one) are recorded by coordinators."""
    return can_coordinate(actor)


def can_see_concerns(actor: Membership) -> bool:
    return can_coordinate(actor)
