"""API for communities, memberships and profiles. Every path is scoped by the community slug."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from coproduce.api.errors import ApiError, ErrorResponse
from coproduce.api.schema import Pagination, ParamInt
from coproduce.communities import permissions, selectors, services
from coproduce.communities.acting import acting_membership, acting_membership_of
from coproduce.communities.models import Membership
from coproduce.people.models import Profile, User

router = Router(tags=["communities"])
ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}


class CommunityOut(Schema):
    slug: str
    name: str
    kind: str
    language: str
    timezone: str


class MyMembershipOut(Schema):
    id: int
    status: str
    roles: list[str]
    community: CommunityOut


class ProfileOut(Schema):
    """What another member sees; parts the person keeps to coordinators come back empty."""

    display_name: str
    pronouns: str
    gives_categories: list[str] = []
    gives_tags: str = ""
    needs_categories: list[str] = []
    good_life: str = ""
    availability: list[str] = []
    availability_note: str = ""
    languages: str
    neighbourhood: str = ""
    contact_preference: str


class PrivateProfileOut(ProfileOut):
    phone: str
    accessibility_needs: str
    approx_latitude: Decimal | None = Field(None, description="Rounded to 0.01° (about 1 km).")
    approx_longitude: Decimal | None = None
    visibility: dict[str, str] = Field(
        default_factory=dict,
        description='Who sees each part: "coordinators", "members" or "public".',
    )


class MembershipOut(Schema):
    id: int
    roles: list[str]
    has_login: bool
    organisation: str | None = Field(None, alias="organisation.name")
    created_at: datetime
    profile: ProfileOut

    @staticmethod
    def resolve_profile(obj: Membership, context: dict[str, Any]) -> Profile:
        """The profile as the person asking may see it (empty parts if nobody is known)."""
        viewer = acting_membership_of(context["request"])
        if viewer is None:
            return selectors.profile_as_seen(viewer=_NOBODY, membership=obj)
        return selectors.profile_as_seen(viewer=viewer, membership=obj)


class ProfileIn(Schema):
    display_name: str | None = Field(None, min_length=1, max_length=80)
    pronouns: str | None = Field(None, max_length=40)
    languages: str | None = Field(None, max_length=200)
    contact_preference: Profile.ContactPreference | None = None
    phone: str | None = Field(None, max_length=40)
    accessibility_needs: str | None = Field(None, max_length=2000)
    gives_categories: list[str] | None = Field(None, max_length=50)
    gives_tags: str | None = Field(None, max_length=300)
    needs_categories: list[str] | None = Field(None, max_length=50)
    good_life: str | None = Field(None, max_length=2000)
    availability: list[str] | None = Field(None, max_length=21)
    availability_note: str | None = Field(None, max_length=200)
    neighbourhood: str | None = Field(None, max_length=80)
    approx_latitude: Decimal | None = Field(None, ge=-90, le=90)
    approx_longitude: Decimal | None = Field(None, ge=-180, le=180)
    visibility: dict[str, str] | None = None


class MemberRegisterIn(Schema):
    display_name: str = Field(..., min_length=1, max_length=80)
    phone: str = Field("", max_length=40)
    contact_preference: Profile.ContactPreference = Profile.ContactPreference.COORDINATOR
    languages: str = Field("", max_length=200)
    accessibility_needs: str = Field("", max_length=2000)


# Someone in no community: sees no part of anyone's profile.
_NOBODY = Membership(status=Membership.Status.LEFT)


def _profile_out(actor: Membership, member: Membership) -> PrivateProfileOut | ProfileOut:
    seen = selectors.profile_as_seen(viewer=actor, membership=member)
    if permissions.can_see_contact_details(actor, member):
        return PrivateProfileOut.from_orm(seen)
    return ProfileOut.from_orm(seen)


@router.get("/communities", response=list[MyMembershipOut], summary="My communities")
def my_communities(request: HttpRequest) -> list[Membership]:
    return list(selectors.memberships_of_user(user_id=request.user.pk))


@router.get(
    "/communities/{community}/memberships",
    response={200: list[MembershipOut], **ERRORS},
    summary="Members of a community",
)
@paginate(Pagination)
def membership_list(request: HttpRequest, community: str, search: str = "") -> list[Membership]:
    actor = acting_membership(request, community)
    if not permissions.can_see_member_list(actor):
        raise PermissionDenied
    return selectors.member_list(actor=actor, search=search)  # type: ignore[return-value]


@router.post(
    "/communities/{community}/memberships",
    response={201: MembershipOut, **ERRORS},
    summary="Register a member who has no login (coordinators)",
)
def membership_register(
    request: HttpRequest, community: str, payload: MemberRegisterIn
) -> Status[Membership]:
    actor = acting_membership(request, community)
    member = services.member_register(actor=actor, **payload.dict())
    return Status(201, member)


@router.get(
    "/communities/{community}/memberships/{membership_id}",
    response={200: MembershipOut, **ERRORS},
    summary="One member",
)
def membership_detail(request: HttpRequest, community: str, membership_id: ParamInt) -> Membership:
    actor = acting_membership(request, community)
    return selectors.member_get(actor=actor, pk=membership_id)


@router.get(
    "/communities/{community}/memberships/{membership_id}/profile",
    response={200: PrivateProfileOut | ProfileOut, **ERRORS},
    summary="A member's profile (contact details only for them and coordinators)",
)
def profile_detail(
    request: HttpRequest, community: str, membership_id: ParamInt
) -> PrivateProfileOut | ProfileOut:
    actor = acting_membership(request, community)
    return _profile_out(actor, selectors.member_get(actor=actor, pk=membership_id))


@router.patch(
    "/communities/{community}/memberships/{membership_id}/profile",
    response={200: PrivateProfileOut, **ERRORS},
    summary="Change a profile (the member, or a coordinator on their behalf)",
)
def profile_update(
    request: HttpRequest, community: str, membership_id: ParamInt, payload: ProfileIn
) -> Profile:
    actor = acting_membership(request, community)
    member = selectors.member_get(actor=actor, pk=membership_id)
    changes = {
        key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None
    }
    return services.profile_update(actor=actor, member=member, **changes)


@router.get(
    "/communities/{community}/profile",
    response={200: PrivateProfileOut, **ERRORS},
    summary="My profile in this community",
)
def my_profile(request: HttpRequest, community: str) -> Profile:
    return acting_membership(request, community).profile


@router.patch(
    "/communities/{community}/profile",
    response={200: PrivateProfileOut, **ERRORS},
    summary="Change my profile in this community",
)
def my_profile_update(request: HttpRequest, community: str, payload: ProfileIn) -> Profile:
    actor = acting_membership(request, community)
    changes = {
        key: value for key, value in payload.dict(exclude_unset=True).items() if value is not None
    }
    return services.profile_update(actor=actor, member=actor, **changes)


class JoinRequestIn(Schema):
    message: str = Field("", max_length=1000)


class JoinRequestOut(Schema):
    id: int
    status: str
    community: CommunityOut


@router.post(
    "/communities/{community}/join-requests",
    response={201: JoinRequestOut, 409: ErrorResponse, **ERRORS},
    summary="Ask to join a community (a coordinator approves)",
)
def join_request_create(
    request: HttpRequest, community: str, payload: JoinRequestIn
) -> Status[Membership]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - the API's auth guarantees a signed-in user
    target = selectors.community_to_join_get(slug=community, user_id=user.pk)
    if selectors.membership_status(user_id=user.pk, community_id=target.pk) in (
        Membership.Status.ACTIVE,
        Membership.Status.PENDING,
    ):
        raise ApiError(
            409,
            "already_member",
            _("You are already a member of this community, or have asked to join."),
        )
    return Status(
        201, services.community_join_request(community=target, user=user, message=payload.message)
    )
