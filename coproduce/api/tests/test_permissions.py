"""Every role against the API token pages (a token is its owner's alone), and every kind of
caller against every operation of every router: who the API lets in at all, before any app's
own permissions answer. What a signed-in caller may do inside a community is in each app's
``test_permissions.py``; that another community's caller gets 404 everywhere is in
``tests/test_tenancy.py``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.test import Client
from django.utils import timezone

from coproduce.api.api import api
from coproduce.api.models import ApiToken
from coproduce.api.services import api_token_create
from coproduce.communities.models import Community
from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)
from coproduce.communities.tests.roles import ANONYMOUS, ROLES, person
from coproduce.people.tests.sign_in import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

SIGN_IN = "sent to sign in"


# --- The token pages ----------------------------------------------------------------------------


def _works(raw: str) -> bool:
    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/communities")
    return response.status_code == 200


def _answer(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return SIGN_IN
    return int(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_against_the_token_pages(role: str) -> None:
    town = CommunityFactory(slug="town")
    rae = MembershipFactory(community=town).user
    raes = api_token_create(user=rae, name="Rae's spreadsheet")
    someone = person(role, town)
    client = someone.client()
    signed_in = someone.user is not None
    wrong = []

    def check(action: str, want: int | str, got: int | str) -> None:
        if want != got:
            wrong.append(f"{role} / {action}: expected {want}, answered {got}")

    page = client.get("/account/tokens/")
    check("see my tokens", 200 if signed_in else SIGN_IN, _answer(page))
    if "Rae&#x27;s spreadsheet" in page.content.decode():
        wrong.append(f"{role} / see my tokens: shows Rae's")

    made = client.post("/account/tokens/", {"name": "Mine"})
    check("make a token", 200 if signed_in else SIGN_IN, _answer(made))
    mine = ApiToken.objects.filter(name="Mine").first()
    if signed_in:
        if mine is None or mine.user_id != someone.user.pk:
            wrong.append(f"{role} / make a token: not made, or not theirs")
        else:
            raw = made.content.decode().split('id="new-token">')[1].split("<")[0].strip()
            if not _works(raw):
                wrong.append(f"{role} / make a token: the token does not work")
            stopped = client.post(f"/account/tokens/{mine.pk}/revoke/")
            check("stop my token", 302, _answer(stopped))
            if _works(raw):
                wrong.append(f"{role} / stop my token: it still works")
    elif mine is not None:
        wrong.append(f"{role} / make a token: made one without signing in")

    stopped = client.post(f"/account/tokens/{raes.token.pk}/revoke/")
    check("stop Rae's token", 404 if signed_in else SIGN_IN, _answer(stopped))
    if not _works(raes.raw):
        wrong.append(f"{role} / stop Rae's token: Rae's token stopped working")
    assert not wrong, "\n".join(wrong)


# --- Who the API lets in, operation by operation -------------------------------------------------


def operations(community: Community) -> Iterator[tuple[str, str, str]]:
    """Every operation of every router, from the API's own schema: (tag, method, path), with
    the community's slug and made-up ids in the path (nothing is looked up before the caller is
    known)."""
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        filled = path.replace("{community}", community.slug)
        filled = re.sub(r"\{\w+\}", "1", filled)
        for method, operation in methods.items():
            yield operation["tags"][0], method, filled


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model.__module__.startswith("coproduce.")
    }


def _send(client: Client, method: str, path: str) -> Any:
    headers = {"idempotency-key": str(uuid.uuid4())}
    if method == "get":
        return client.get(path, headers=headers)
    return getattr(client, method)(path, "{}", content_type="application/json", headers=headers)


def _bearer(raw: str) -> Client:
    return Client(headers={"authorization": f"Bearer {raw}"})


def _session_without_code(user: Any) -> Client:
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def _session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_of_someone_no_longer_active(town: Community) -> str:
    member = MembershipFactory(community=town)
    raw = api_token_create(user=member.user, name="old").raw
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    return raw


def _revoked_token(town: Community) -> str:
    made = api_token_create(user=MembershipFactory(community=town).user, name="stopped")
    ApiToken.objects.filter(pk=made.token.pk).update(revoked_at=timezone.now())
    return made.raw


# Each kind of caller the API must turn away, the methods it is turned away on, and the
# answer: (status, error code).
CALLERS: dict[str, tuple[Callable[[Community], Client], frozenset[str], tuple[int, str]]] = {
    ANONYMOUS: (lambda town: Client(), frozenset(), (401, "unauthenticated")),
    "a made-up token": (lambda town: _bearer("cp_made-up"), frozenset(), (401, "unauthenticated")),
    "a stopped token": (
        lambda town: _bearer(_revoked_token(town)),
        frozenset(),
        (401, "unauthenticated"),
    ),
    "the token of someone no longer active": (
        lambda town: _bearer(_token_of_someone_no_longer_active(town)),
        frozenset(),
        (401, "unauthenticated"),
    ),
    "a coordinator's token, with no authenticator app": (
        lambda town: _bearer(
            api_token_create(user=CoordinatorFactory(community=town).user, name="t").raw
        ),
        frozenset(),
        (403, "second_factor_required"),
    ),
    "a coordinator's session, with no authenticator app": (
        lambda town: _session(CoordinatorFactory(community=town).user),
        frozenset(),
        (403, "second_factor_required"),
    ),
    "a coordinator's session that skipped the code": (
        lambda town: _session_without_code(CoordinatorFactory(community=town).user),
        frozenset(),
        (403, "second_factor_required"),
    ),
    "a member's session, writing without the CSRF token": (
        lambda town: _csrf_checked(MembershipFactory(community=town).user),
        frozenset({"get"}),  # reading needs no CSRF token
        (403, "forbidden"),
    ),
}


def _csrf_checked(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_of_every_router_turns_the_caller_away(caller: str) -> None:
    town = CommunityFactory(slug="town")
    make, let_through, (status, code) = CALLERS[caller]
    client = make(town)
    before = _rows()
    wrong = []
    seen_tags = set()
    for tag, method, path in operations(town):
        if method in let_through:
            continue
        seen_tags.add(tag)
        response = _send(client, method, path)
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        if response.status_code != status or body.get("error", {}).get("code") != code:
            wrong.append(f"{method.upper()} {path} ({tag}): {response.status_code} {body}")
        elif not body["error"]["message"]:
            wrong.append(f"{method.upper()} {path} ({tag}): no message")
    assert seen_tags == {"communities", "time credits", "exchanges"}, "every router is tried"
    assert not wrong, f"{caller}:\n" + "\n".join(wrong)
    assert _rows() == before, "a caller turned away changed something"


def test_the_callers_let_in_are_let_in() -> None:
    """Proves the refusals above can pass: the same community, with credentials that count."""
    town = CommunityFactory(slug="town")
    member = MembershipFactory(community=town)
    token = api_token_create(user=member.user, name="t").raw
    coordinator = CoordinatorFactory(community=town)
    staff_token = api_token_create(user=coordinator.user, name="t").raw
    clients = {
        "a member's token": _bearer(token),
        "a member's session": _csrf_checked(member.user),
        "a coordinator's session with the code": sign_in_with_second_factor(coordinator.user),
        # The coordinator has an authenticator app now, so their token counts too.
        "a coordinator's token": _bearer(staff_token),
    }
    for who, client in clients.items():
        for path in ("/api/v1/communities", "/api/v1/communities/town/memberships"):
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.content)
