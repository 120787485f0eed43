"""Every role against every action on email choices, as a caller sees it: your own choices, a
member's choices and what we told them (coordinators, acting for the member), and the one-click
unsubscribe link (whoever holds it, signed in or not). Then every function of
``notifications/permissions.py`` against every role."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.communities.tests.roles import (
    ANONYMOUS,
    COORDINATOR,
    MEMBER_ELSEWHERE,
    MEMBER_ROLES,
    OPERATOR,
    OUTSIDER_ROLES,
    ROLES,
    STAFF_ROLES,
    person,
)
from coproduce.notifications import permissions
from coproduce.notifications.models import Notification, NotificationPreference, Topic
from coproduce.notifications.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db

RAE = "Rae herself"
TABLE_ROLES = (*ROLES, RAE)
IN_COMMUNITY = MEMBER_ROLES | STAFF_ROLES | {RAE}
FOR_RAE = STAFF_ROLES | {RAE}
TOLD_RAE = "Rae: Gil wrote to you"
TOLD_SOMEONE = "Someone: a message"
DONE = "done"
SIGN_IN = "sign in"
# Every topic on but the weekly digest.
NO_DIGEST = {
    "wants_messages": "on",
    "wants_requests": "on",
    "wants_confirmations": "on",
    "wants_reminders": "on",
}


@dataclass
class Scene:
    town: Community
    rae: Membership
    actor: Membership | None
    client: Client


def build(role: str) -> Scene:
    town = CommunityFactory(slug="town")
    rae = MembershipFactory(community=town, profile__display_name="Rae")
    Notification.objects.create(
        community=town, membership=rae, topic=Topic.MESSAGES, subject=TOLD_RAE
    )
    if role == RAE:
        client = Client()
        client.force_login(rae.user)
        return Scene(town, rae, rae, client)
    someone = person(role, town)
    if someone.membership is not None:
        Notification.objects.create(
            community=someone.membership.community,
            membership=someone.membership,
            topic=Topic.MESSAGES,
            subject=TOLD_SOMEONE,
        )
    return Scene(town, rae, someone.membership, someone.client())


def wants_digest(member: Membership | None) -> bool | None:
    if member is None:
        return None
    return (
        NotificationPreference.objects.filter(membership=member)
        .values_list("wants_digest", flat=True)
        .first()
    )


def expected(role: str, allowed: frozenset[str] | set[str]) -> int | str:
    if role in allowed:
        return DONE
    if role == ANONYMOUS:
        return SIGN_IN
    if role in OUTSIDER_ROLES:
        return 404
    return 403


def answer(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return SIGN_IN
    if response.status_code in (200, 302):
        return DONE
    return int(response.status_code)


@pytest.mark.parametrize("role", TABLE_ROLES)
def test_every_role_against_every_action(role: str) -> None:
    scene = build(role)
    own = f"/c/{scene.town.slug}/notifications/"
    raes = f"{own}members/{scene.rae.pk}/"
    wrong = []

    def check(action: str, want: int | str, got: int | str) -> None:
        if want != got:
            wrong.append(f"{role} / {action}: expected {want}, answered {got}")

    # My own choices, and what we told me.
    page = scene.client.get(own)
    check("see my email choices", expected(role, IN_COMMUNITY), answer(page))
    if answer(page) == DONE:
        body = page.content.decode()
        shown = TOLD_RAE if role == RAE else TOLD_SOMEONE
        if shown not in body or (role != RAE and TOLD_RAE in body):
            wrong.append(f"{role} / what we told me: shows someone else's emails, or not mine")
    response = scene.client.post(own, NO_DIGEST)
    check("change my email choices", expected(role, IN_COMMUNITY), answer(response))
    if expected(role, IN_COMMUNITY) == DONE and wants_digest(scene.actor) is not False:
        wrong.append(f"{role} / change my email choices: answered, but nothing changed")
    if wants_digest(scene.rae) is not None and role != RAE:
        wrong.append(f"{role} / change my email choices: changed Rae's")

    # Rae's choices and what we told Rae: Rae, and coordinators acting for Rae.
    page = scene.client.get(raes)
    check("see a member's email choices", expected(role, FOR_RAE), answer(page))
    if (TOLD_RAE in page.content.decode()) != (role in FOR_RAE):
        wrong.append(f"{role} / see what we told a member: wrong whether it shows")
    response = scene.client.post(raes, NO_DIGEST)
    check("change a member's email choices", expected(role, FOR_RAE), answer(response))
    if (wants_digest(scene.rae) is False) != (role in FOR_RAE):
        wrong.append(f"{role} / change a member's email choices: wrong whether they changed")
    assert not wrong, "\n".join(wrong)


# --- The one-click unsubscribe link: the token is the proof, whoever follows it --------------


def _tokens(rae: Membership, left: Membership) -> dict[str, str]:
    good = unsubscribe_token_make(membership_id=rae.pk, topic=Topic.DIGEST)
    return {
        "Rae's link": good,
        "Rae's link, changed": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "Rae's link, cut short": good[: len(good) // 2],
        "Rae's link for a topic we do not have": unsubscribe_token_make(
            membership_id=rae.pk, topic="everything"
        ),
        "a link signed for something else": signing.Signer(salt="other").sign_object(
            [rae.pk, Topic.DIGEST]
        ),
        "the link of someone who left": unsubscribe_token_make(
            membership_id=left.pk, topic=Topic.DIGEST
        ),
    }


@pytest.mark.parametrize("role", [ANONYMOUS, RAE, COORDINATOR, MEMBER_ELSEWHERE, OPERATOR])
def test_an_unsubscribe_link_works_for_whoever_holds_it_and_only_as_made(role: str) -> None:
    scene = build(role)
    left = MembershipFactory(community=scene.town, status=Membership.Status.LEFT)
    wrong = []
    for name, token in _tokens(scene.rae, left).items():
        path = f"/notifications/unsubscribe/{token}/"
        works = name == "Rae's link"
        for method in ("get", "post"):
            before = list(NotificationPreference.objects.values_list("membership", "wants_digest"))
            response = getattr(scene.client, method)(path)
            want = 200 if works else 404
            if response.status_code != want:
                wrong.append(f"{role} / {method} {name}: answered {response.status_code}")
            changed = (
                list(NotificationPreference.objects.values_list("membership", "wants_digest"))
                != before
            )
            if changed != (works and method == "post"):
                wrong.append(f"{role} / {method} {name}: changed={changed}")
    assert list(NotificationPreference.objects.values_list("membership", "wants_digest")) == [
        (scene.rae.pk, False)
    ], "only Rae's digest is off"
    assert not wrong, "\n".join(wrong)


# --- The permission functions themselves ---------------------------------------------------------

# Who each function lets through, as the actor, for Rae.
FUNCTION_TABLE: dict[str, frozenset[str]] = {
    "can_change_preferences": FOR_RAE,
    "can_see_notifications": FOR_RAE,
}


def test_every_permission_function_has_a_row_in_the_table() -> None:
    functions = {
        name
        for name, function in inspect.getmembers(permissions, inspect.isfunction)
        if function.__module__ == permissions.__name__ and not name.startswith("_")
    }
    assert functions == set(FUNCTION_TABLE), "add the new function to FUNCTION_TABLE"


def test_every_role_against_every_permission_function() -> None:
    town = CommunityFactory(slug="town")
    rae = MembershipFactory(community=town, user=None)
    wrong = []
    for role in TABLE_ROLES:
        if role in (ANONYMOUS, OPERATOR):
            continue  # no membership: community pages are not found for them (above)
        actor = rae if role == RAE else person(role, town, user=None).membership
        assert actor is not None
        for name, allowed in FUNCTION_TABLE.items():
            if getattr(permissions, name)(actor, rae) != (role in allowed):
                wrong.append(f"{name}({role}) should be {role in allowed}")
    assert not wrong, "\n".join(wrong)
