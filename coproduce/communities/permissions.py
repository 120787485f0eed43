"""Who may do what inside a community. Views and the API both ask here."""

from __future__ import annotations

from coproduce.communities.models import Membership


def can_see_member_list(actor: Membership) -> bool:
    return actor.is_active


def can_coordinate(actor: Membership) -> bool:
    """Coordinators and administrators, active in their community: they register members and
    act for them, approve requests, invite, add partner organisations, manage the time credits
    and see every exchange. The one role check every app asks (its own permissions.py names
    the actions it allows)."""
    return actor.is_active and actor.is_staff_role


def can_edit_profile(actor: Membership, target: Membership) -> bool:
    if not actor.is_active or actor.community_id != target.community_id:
        return False
    return actor.pk == target.pk or can_coordinate(actor)


def can_see_contact_details(actor: Membership, target: Membership) -> bool:
    """Phone numbers and access needs: the person themselves and coordinators only."""
    return can_edit_profile(actor, target)


def can_change_roles(actor: Membership, *, changes_admin: bool = False) -> bool:
    """Coordinators set roles; only an administrator may make someone an administrator or
    stop someone being one (either direction: a coordinator must not remove an admin)."""
    if changes_admin:
        return can_change_admin_role(actor)
    return can_coordinate(actor)


def can_change_admin_role(actor: Membership) -> bool:
    return actor.is_active and actor.is_admin


def profile_audience(actor: Membership, target: Membership) -> str | None:
    """Which audience of the target's profile the actor is in: "coordinators" (the person
    themselves and coordinators see everything), "members" (anyone active in the same
    community), or None (outside the community: nothing, not even that they exist)."""
    from coproduce.people.models import Visibility

    if can_edit_profile(actor, target):
        return Visibility.COORDINATORS
    if actor.is_active and target.is_active and actor.community_id == target.community_id:
        return Visibility.MEMBERS
    return None
