"""Who may change a member's email choices and see what we told them."""

from __future__ import annotations

from coproduce.communities import permissions as community_permissions
from coproduce.communities.models import Membership


def can_change_preferences(actor: Membership, member: Membership) -> bool:
    """The member themselves, or a coordinator of their community acting for them."""
    if not actor.is_active or actor.community_id != member.community_id:
        return False
    return actor.pk == member.pk or community_permissions.can_coordinate(actor)


def can_see_notifications(actor: Membership, member: Membership) -> bool:
    return can_change_preferences(actor, member)
