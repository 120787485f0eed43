"""Reads for communities. Every read that returns community data takes the acting membership."""

from __future__ import annotations

import copy

from django.db.models import Field, Q, QuerySet
from django.http import Http404

from coproduce.communities import permissions
from coproduce.communities.models import Community, Invitation, Membership, Organisation
from coproduce.people.models import PROFILE_PART_FIELDS, PROFILE_PRIVATE_FIELDS, Profile


def membership_for_user(*, user_id: int | None, community_slug: str) -> Membership:
    """The acting membership of a signed-in user in a community, or 404 (never 403)."""
    if user_id is None:
        raise Http404
    membership = (
        Membership.objects.select_related("community", "profile", "organisation")
        .filter(user_id=user_id, community__slug=community_slug, status=Membership.Status.ACTIVE)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def memberships_of_user(*, user_id: int | None) -> QuerySet[Membership]:
    """Every community a user belongs to or has asked to join, for the switcher."""
    if user_id is None:
        return Membership.objects.none()
    return (
        Membership.objects.select_related("community", "profile")
        .filter(user_id=user_id)
        .exclude(status=Membership.Status.LEFT)
        .order_by("community__name")
    )


def membership_status(*, user_id: int, community_id: int) -> str | None:
    return (
        Membership.objects.filter(user_id=user_id, community_id=community_id)
        .values_list("status", flat=True)
        .first()
    )


def user_has_staff_role(user_id: int) -> bool:
    return Membership.objects.filter(
        Q(is_coordinator=True) | Q(is_admin=True),
        user_id=user_id,
        status=Membership.Status.ACTIVE,
    ).exists()


def member_list(*, actor: Membership, search: str = "") -> QuerySet[Membership]:
    members = Membership.objects.select_related("profile", "organisation", "community").filter(
        community_id=actor.community_id, status=Membership.Status.ACTIVE
    )
    if search:
        members = members.filter(profile__display_name__icontains=search)
    return members.order_by("profile__display_name", "pk")


def member_get(*, actor: Membership, pk: int) -> Membership:
    member = (
        Membership.objects.select_related("profile", "organisation", "community")
        .filter(community_id=actor.community_id, pk=pk, status=Membership.Status.ACTIVE)
        .first()
    )
    if member is None:
        raise Http404
    return member


def profile_visible_parts(*, viewer: Membership, membership: Membership) -> frozenset[str]:
    """Which groups of a member's profile (``people.models.PROFILE_PART_FIELDS``) a viewer may
    see, by the member's own choices. The one place that decides it: the profile page, the
    API, search and its filters (availability, distance) all ask here."""
    audience = permissions.profile_audience(viewer, membership)
    if audience is None:
        return frozenset()
    return membership.profile.parts_seen_by(audience)


def profile_as_seen(*, viewer: Membership, membership: Membership) -> Profile:
    """The member's profile as the viewer may see it: an unsaved copy with every part the
    viewer may not see emptied, and contact details, location and privacy settings emptied
    unless the viewer is the person or a coordinator. Pages and the API show this copy."""
    profile = membership.profile
    parts = profile_visible_parts(viewer=viewer, membership=membership)
    hidden = {
        field
        for group, fields in PROFILE_PART_FIELDS.items()
        if group not in parts
        for field in fields
    }
    if not permissions.can_see_contact_details(viewer, membership):
        hidden.update(PROFILE_PRIVATE_FIELDS)
    seen = copy.copy(profile)
    for name in hidden:
        field = Profile._meta.get_field(name)
        assert isinstance(field, Field)  # noqa: S101 - every name is a concrete field
        setattr(seen, name, field.get_default())
    return seen


def join_requests(*, actor: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("profile", "user")
        .filter(community_id=actor.community_id, status=Membership.Status.PENDING)
        .order_by("created_at")
    )


def join_request_get(*, actor: Membership, pk: int) -> Membership:
    request = join_requests(actor=actor).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def organisation_list(*, actor: Membership) -> QuerySet[Organisation]:
    return Organisation.objects.filter(community_id=actor.community_id).order_by("name")


def organisation_get(*, actor: Membership, pk: int) -> Organisation:
    organisation = organisation_list(actor=actor).filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def invitation_list(*, actor: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(community_id=actor.community_id).order_by("-created_at")


def invitation_get(*, actor: Membership, pk: int) -> Invitation:
    invitation = invitation_list(actor=actor).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_by_token(*, token: str) -> Invitation:
    """An invitation anyone holding the link may see: it says only which community it is for."""
    invitation = Invitation.objects.select_related("community").filter(token=token).first()
    if invitation is None:
        raise Http404
    return invitation


def communities_open_to_requests() -> QuerySet[Community]:
    """The public directory: names and descriptions only, never members."""
    return Community.objects.filter(accepts_join_requests=True).order_by("name")


def community_to_join_get(*, slug: str, user_id: int | None) -> Community:
    """A community a signed-in person may ask to join, or 404. A community that takes members
    only by invitation answers exactly as one that does not exist, unless the person already
    belongs to it or has asked to join: nobody outside learns that it exists."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    if not community.accepts_join_requests and (
        user_id is None
        or membership_status(user_id=user_id, community_id=community.pk)
        not in (Membership.Status.ACTIVE, Membership.Status.PENDING)
    ):
        raise Http404
    return community
