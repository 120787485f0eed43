"""Every role against every action on members, profiles, join requests, invitations, roles and
organisations, through the pages and the API, as a caller sees it: an allowed action happens; a
refused one is answered (sign in, not found, forbidden, the page again, or the part left out)
and changes nothing. Then every function of ``communities/permissions.py`` against every role.

Role changes in depth (every combination of roles, the last administrator) are in
``test_permissions_roles.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from django.test import Client

from coproduce.communities import permissions
from coproduce.communities.models import Community, Invitation, Membership, Organisation
from coproduce.communities.tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
)
from coproduce.communities.tests.roles import (
    ADMIN,
    ANONYMOUS,
    ASKED_TO_JOIN,
    COORDINATOR,
    COORDINATOR_ELSEWHERE,
    LEFT,
    MEMBER_ELSEWHERE,
    MEMBER_ROLES,
    OPERATOR,
    OUTSIDER_ROLES,
    ROLES,
    STAFF_ROLES,
    person,
)
from coproduce.people.models import Profile

pytestmark = pytest.mark.django_db

IN_COMMUNITY = MEMBER_ROLES | STAFF_ROLES
# Signed in, with no active membership: they may ask to join, or use an invitation.
NOT_IN = OUTSIDER_ROLES
DONE = "done"
SIGN_IN = "sign in"
HIDDEN = "left out"
GIL_PHONE = "020 7946 0001"


@dataclass
class Scene:
    """A town where Gil is a member with a phone number, Pat and Quinn have asked to join and
    there is an invitation link; the actor holds the role in the table. A village nearby
    takes requests to join from anyone."""

    town: Community
    gil: Membership
    pat: Membership
    quinn: Membership
    invitation: Invitation
    user_id: int | None = None


def build(role: str) -> tuple[Scene, Client]:
    town = cast(Community, CommunityFactory(slug="town", accepts_join_requests=True))
    gil = cast(Membership, MembershipFactory(community=town, profile__display_name="Gil"))
    Profile.objects.filter(membership=gil).update(phone=GIL_PHONE)
    CommunityFactory(slug="village", accepts_join_requests=True)

    def asked(name: str) -> Membership:
        return cast(
            Membership,
            MembershipFactory(
                community=town, status=Membership.Status.PENDING, profile__display_name=name
            ),
        )

    founder = MembershipFactory(community=town, is_coordinator=True, is_admin=True)
    invitation = Invitation.objects.create(community=town, max_uses=50, created_by=founder)
    scene = Scene(town, gil, asked("Pat"), asked("Quinn"), invitation)
    someone = person(role, town)
    scene.user_id = someone.user.pk if someone.user else None
    return scene, someone.client()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    data: Mapping[str, Any] = field(default_factory=dict)
    is_api: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    request: Callable[[Scene], Request]
    allowed: frozenset[str]
    # What the action changes (compared before and after), and whether it changed as asked.
    # None: something to read, allowed when it answers 200 (and ``shown`` is in the answer).
    observe: Callable[[Scene], object] | None = None
    done: Callable[[Any], bool] = bool
    shown: str = ""
    refused: int | str = 403  # the answer to someone in the community it is not for
    refused_as: Mapping[str, int | str] = field(default_factory=dict)
    outsiders: int | str = 404


def _c(scene: Scene, rest: str = "") -> str:
    return f"/c/{scene.town.slug}/{rest}"


def _api(scene: Scene, rest: str = "") -> str:
    return f"/api/v1/communities/{scene.town.slug}{rest}"


def _pronouns(scene: Scene, member: str = "gil") -> object:
    return Profile.objects.get(membership=getattr(scene, member)).pronouns


def _my_pronouns(scene: Scene) -> object:
    return (
        Profile.objects.filter(membership__community=scene.town, membership__user_id=scene.user_id)
        .values_list("pronouns", flat=True)
        .first()
    )


def _my_status(scene: Scene, slug: str = "town") -> object:
    return (
        Membership.objects.filter(community__slug=slug, user_id=scene.user_id)
        .values_list("status", flat=True)
        .first()
    )


def _status(name: str) -> Callable[[Scene], object]:
    return lambda s: Membership.objects.get(pk=getattr(s, name).pk).status


def _named(name: str) -> Callable[[Scene], object]:
    return lambda s: Membership.objects.filter(community=s.town, profile__display_name=name).count()


def _gil(attribute: str) -> Callable[[Scene], object]:
    return lambda s: getattr(Membership.objects.get(pk=s.gil.pk), attribute)


PROFILE_PAGE = {
    "display_name": "Gil",
    "pronouns": "they/them",
    "contact_preference": "email",
    "phone": GIL_PHONE,
}
MY_PROFILE_PAGE = {**PROFILE_PAGE, "display_name": "Me"}

ACTIONS = (
    Action("see the member list", lambda s: Request("get", _c(s, "members/")), IN_COMMUNITY),
    Action(
        "see a member's page",
        lambda s: Request("get", _c(s, f"members/{s.gil.pk}/")),
        IN_COMMUNITY,
        shown="Gil",
    ),
    Action(
        "see a member's contact details",
        lambda s: Request("get", _c(s, f"members/{s.gil.pk}/")),
        STAFF_ROLES,
        shown=GIL_PHONE,
        refused=HIDDEN,
    ),
    Action(
        "switch to the community",
        lambda s: Request("get", _c(s)),
        IN_COMMUNITY,
    ),
    Action(
        "edit my profile (page)",
        lambda s: Request("post", _c(s, "profile/"), MY_PROFILE_PAGE),
        IN_COMMUNITY,
        observe=_my_pronouns,
        done=lambda pronouns: pronouns == "they/them",
    ),
    Action(
        "edit my profile (API)",
        lambda s: Request("patch", _api(s, "/profile"), {"pronouns": "ze/zir"}, is_api=True),
        IN_COMMUNITY,
        observe=_my_pronouns,
        done=lambda pronouns: pronouns == "ze/zir",
    ),
    Action(
        "edit someone else's profile (page)",
        lambda s: Request("post", _c(s, f"members/{s.gil.pk}/profile/"), PROFILE_PAGE),
        STAFF_ROLES,
        observe=_pronouns,
        done=lambda pronouns: pronouns == "they/them",
    ),
    Action(
        "edit someone else's profile (API)",
        lambda s: Request(
            "patch", _api(s, f"/memberships/{s.gil.pk}/profile"), {"pronouns": "he/him"}, True
        ),
        STAFF_ROLES,
        observe=_pronouns,
        done=lambda pronouns: pronouns == "he/him",
    ),
    Action(
        "register a member without a login (page)",
        lambda s: Request(
            "post", _c(s, "members/new/"), {"display_name": "Vera", "contact_preference": "phone"}
        ),
        STAFF_ROLES,
        observe=_named("Vera"),
    ),
    Action(
        "register a member without a login (API)",
        lambda s: Request("post", _api(s, "/memberships"), {"display_name": "Isla"}, True),
        STAFF_ROLES,
        observe=_named("Isla"),
    ),
    Action("see who asked to join", lambda s: Request("get", _c(s, "requests/")), STAFF_ROLES),
    Action(
        "approve a request to join",
        lambda s: Request("post", _c(s, f"requests/{s.pat.pk}/"), {"decision": "approve"}),
        STAFF_ROLES,
        observe=_status("pat"),
        done=lambda status: status == Membership.Status.ACTIVE,
    ),
    Action(
        "refuse a request to join",
        lambda s: Request("post", _c(s, f"requests/{s.quinn.pk}/"), {"decision": "decline"}),
        STAFF_ROLES,
        observe=_status("quinn"),
        done=lambda status: status == Membership.Status.DECLINED,
    ),
    Action(
        "make an invitation link",
        lambda s: Request("post", _c(s, "invitations/"), {"note": "For Tunde", "max_uses": 1}),
        STAFF_ROLES,
        observe=lambda s: Invitation.objects.filter(community=s.town, note="For Tunde").count(),
    ),
    Action(
        "stop an invitation link",
        lambda s: Request("post", _c(s, f"invitations/{s.invitation.pk}/revoke/")),
        STAFF_ROLES,
        observe=lambda s: Invitation.objects.get(pk=s.invitation.pk).revoked_at is not None,
    ),
    Action(
        "make someone a coordinator",
        lambda s: Request(
            "post", _c(s, f"members/{s.gil.pk}/roles/"), {"is_member": "on", "is_coordinator": "on"}
        ),
        STAFF_ROLES,
        observe=_gil("is_coordinator"),
    ),
    Action(
        "make someone an administrator",
        lambda s: Request(
            "post", _c(s, f"members/{s.gil.pk}/roles/"), {"is_member": "on", "is_admin": "on"}
        ),
        frozenset({ADMIN}),
        observe=_gil("is_admin"),
        refused_as={COORDINATOR: 200},  # the page again: only an administrator can
    ),
    Action(
        "see the partner organisations",
        lambda s: Request("get", _c(s, "organisations/")),
        IN_COMMUNITY,
    ),
    Action(
        "add a partner organisation",
        lambda s: Request(
            "post", _c(s, "organisations/"), {"name": "Canton Sports Centre", "kind": "leisure"}
        ),
        STAFF_ROLES,
        observe=lambda s: Organisation.objects.filter(
            community=s.town, name="Canton Sports Centre"
        ).count(),
    ),
    Action(
        "list members (API)",
        lambda s: Request("get", _api(s, "/memberships"), is_api=True),
        IN_COMMUNITY,
        shown="Gil",
    ),
    Action(
        "read one member (API)",
        lambda s: Request("get", _api(s, f"/memberships/{s.gil.pk}"), is_api=True),
        IN_COMMUNITY,
    ),
    Action(
        "read a member's profile (API)",
        lambda s: Request("get", _api(s, f"/memberships/{s.gil.pk}/profile"), is_api=True),
        IN_COMMUNITY,
        shown="Gil",
    ),
    Action(
        "read a member's contact details (API)",
        lambda s: Request("get", _api(s, f"/memberships/{s.gil.pk}/profile"), is_api=True),
        STAFF_ROLES,
        shown=GIL_PHONE,
        refused=HIDDEN,
    ),
    Action(
        "read my profile (API)",
        lambda s: Request("get", _api(s, "/profile"), is_api=True),
        IN_COMMUNITY,
    ),
    # Before belonging: the directory, asking to join, and invitations are for anyone signed in.
    Action(
        "see the directory of communities",
        lambda s: Request("get", "/communities/"),
        IN_COMMUNITY | NOT_IN,
    ),
    Action(
        "ask to join another community (page)",
        lambda s: Request("post", "/communities/village/join/", {"message": "Hello"}),
        IN_COMMUNITY | NOT_IN,
        observe=lambda s: _my_status(s, "village"),
        done=lambda status: status == Membership.Status.PENDING,
    ),
    Action(
        "ask to join (API)",
        lambda s: Request("post", _api(s, "/join-requests"), {"message": "Hello"}, True),
        NOT_IN - {ASKED_TO_JOIN},
        observe=_my_status,
        done=lambda status: status == Membership.Status.PENDING,
        refused=409,
        refused_as={ASKED_TO_JOIN: 409},
    ),
    Action(
        "join with an invitation link",
        lambda s: Request("post", f"/communities/invitations/{s.invitation.token}/"),
        NOT_IN,
        observe=_my_status,
        done=lambda status: status == Membership.Status.ACTIVE,
        refused=302,  # already in: taken to the community
        refused_as={ANONYMOUS: 200},  # the invitation, with a way to sign in or sign up
    ),
)


def expected(action: Action, role: str) -> int | str:
    if role in action.allowed:
        return DONE
    if role in action.refused_as:
        return action.refused_as[role]
    if role == ANONYMOUS:
        return SIGN_IN
    if role in OUTSIDER_ROLES:
        return action.outsiders
    return action.refused


def _send(client: Client, request: Request) -> Any:
    if request.is_api:
        return getattr(client, request.method)(
            request.path, request.data, content_type="application/json"
        )
    return getattr(client, request.method)(request.path, request.data)


def _answer(action: Action, response: Any, before: object, after: object) -> int | str:
    status = response.status_code
    if status == 401:
        return SIGN_IN
    if status == 302 and response["Location"].startswith("/accounts/login/"):
        return SIGN_IN
    if action.observe is not None:
        happened = after != before and action.done(after)
        return DONE if status in (200, 201, 302) and happened else status
    if status == 200 and action.shown and action.shown not in response.content.decode():
        return HIDDEN
    return DONE if status == 200 else status


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_every_action(role: str) -> None:
    scene, client = build(role)
    wrong = []
    for action in ACTIONS:
        want = expected(action, role)
        before = action.observe(scene) if action.observe else None
        response = _send(client, action.request(scene))
        after = action.observe(scene) if action.observe else None
        got = _answer(action, response, before, after)
        if got != want:
            wrong.append(f"{role} / {action.name}: expected {want}, answered {got}")
        elif want != DONE and after != before:
            wrong.append(f"{role} / {action.name}: refused ({got}) but changed {before} → {after}")
    assert not wrong, "\n".join(wrong)


def test_switching_community_takes_the_front_door_there() -> None:
    """The front door goes to the community last opened, among those someone belongs to."""
    town, other = CommunityFactory(), CommunityFactory()
    user = UserFactory()
    for community in (other, town):
        MembershipFactory(community=community, user=user)
    client = Client()
    client.force_login(user)
    for community in (town, other, town):
        assert client.get(f"/c/{community.slug}/").status_code == 200
        assert client.get("/")["Location"] == f"/c/{community.slug}/"


# --- The permission functions themselves ---------------------------------------------------------

# Who each function lets through, as the actor; the target is Gil, a member of the town. The
# functions without a target answer for the actor's own community (a coordinator elsewhere
# coordinates there): pages pass only the membership in the URL's community, which is why that
# row is not found in the table above.
COORDINATING = STAFF_ROLES | {COORDINATOR_ELSEWHERE}
FUNCTION_TABLE: dict[str, frozenset[str]] = {
    "can_see_member_list": IN_COMMUNITY | {MEMBER_ELSEWHERE, COORDINATOR_ELSEWHERE},
    "can_coordinate": COORDINATING,
    # Old names of can_coordinate that services still call: the same function.
    "can_edit_profile": STAFF_ROLES,
    "can_see_contact_details": STAFF_ROLES,
    "can_change_roles": COORDINATING,
    "can_change_admin_role": frozenset({ADMIN}),
    "profile_audience": IN_COMMUNITY,
}


def _call(name: str, actor: Membership, gil: Membership) -> bool:
    function = getattr(permissions, name)
    if name in ("can_edit_profile", "can_see_contact_details", "profile_audience"):
        return bool(function(actor, gil))
    return bool(function(actor))


def test_every_permission_function_has_a_row_in_the_table() -> None:
    functions = {
        name
        for name, function in inspect.getmembers(permissions, inspect.isfunction)
        if function.__module__ == permissions.__name__ and not name.startswith("_")
    }
    assert functions == set(FUNCTION_TABLE), "add the new function to FUNCTION_TABLE"


def test_every_role_against_every_permission_function() -> None:
    town = cast(Community, CommunityFactory())
    gil = cast(Membership, MembershipFactory(community=town))
    wrong = []
    for role in ROLES:
        if role in (ANONYMOUS, OPERATOR):
            continue  # no membership: community pages are not found for them (above)
        actor = person(role, town, user=None).membership
        assert actor is not None
        for name, allowed in FUNCTION_TABLE.items():
            if _call(name, actor, gil) != (role in allowed):
                wrong.append(f"{name}({role}) should be {role in allowed}")
    # Everyone sees and edits their own profile, whatever their role.
    assert permissions.can_edit_profile(gil, gil)
    assert permissions.profile_audience(gil, gil) == "coordinators"
    assert not wrong, "\n".join(wrong)


def test_leaving_closes_every_door() -> None:
    """Someone who left is an outsider again, even to their own old profile."""
    town = cast(Community, CommunityFactory())
    gone = cast(Membership, MembershipFactory(community=town, status=Membership.Status.LEFT))
    assert not permissions.can_edit_profile(gone, gone)
    assert permissions.profile_audience(gone, gone) is None
    assert LEFT in OUTSIDER_ROLES
