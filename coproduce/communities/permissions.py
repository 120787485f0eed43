"""Who may do what inside a community. Views and the API both ask here."""

from __future__ import annotations

from coproduce.communities.models import Membership


def can_see_member_list(actor: Membership) -> bool:
    return actor.is_active


def can_manage_members(actor: Membership) -> bool:
    """Register members, edit on their behalf, approve requests, invite."""
    return actor.is_active and (actor.is_coordinator or actor.is_admin)


def can_manage_organisations(actor: Membership) -> bool:
    return actor.is_active and (actor.is_coordinator or actor.is_admin)


def can_edit_profile(actor: Membership, target: Membership) -> bool:
    if not actor.is_active or actor.community_id != target.community_id:
        return False
    return actor.pk == target.pk or can_manage_members(actor)


def can_see_contact_details(actor: Membership, target: Membership) -> bool:
    """Phone numbers and access needs: the person themselves and coordinators only."""
    return can_edit_profile(actor, target)


def can_change_roles(actor: Membership, *, changes_admin: bool = False) -> bool:
    """Coordinators set roles; only an administrator may make someone an administrator or
    stop someone being one (either direction: a coordinator must not remove an admin)."""
    if changes_admin:
        return can_change_admin_role(actor)
    return can_manage_members(actor)


def can_change_admin_role(actor: Membership) -> bool:
    return actor.is_active and actor.is_admin


def visible_profile_parts(actor: Membership, target: Membership) -> dict[str, bool]:
    """Which groups of the target's profile the actor may see, by the target's own choices.
    The person and coordinators see everything; "members" and "public" parts show to members."""
    from coproduce.people.models import PROFILE_VISIBILITY_DEFAULTS, Visibility

    sees_all = can_edit_profile(actor, target)
    same_community = actor.is_active and actor.community_id == target.community_id
    profile = target.profile
    return {
        group: sees_all or (same_community and profile.visible_to(group) != Visibility.COORDINATORS)
        for group in PROFILE_VISIBILITY_DEFAULTS
    }
