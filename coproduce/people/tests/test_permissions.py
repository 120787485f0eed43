"""Every role, in every state of signing in, against what the people app lets them do: the
account page, choosing a language, and the operators' admin and its sign-in. The rule behind it
is ``people/permissions.py``: coordinators, administrators and operators use the site only in a
session that passed the second factor; nobody else is asked for one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.communities.tests.roles import (
    ANONYMOUS,
    ASKED_TO_JOIN,
    COORDINATOR_ELSEWHERE,
    LEFT,
    MEMBER_ELSEWHERE,
    OPERATOR,
    ROLES,
    SECOND_FACTOR_ROLES,
    person,
)
from coproduce.people.models import User

pytestmark = pytest.mark.django_db

# How the person signed in.
BOTH_STEPS = "password and code"  # what the sign-in asks of staff; members need no code
PASSWORD_NO_APP = "password, no authenticator app"
PASSWORD_APP_NO_CODE = "password, has an authenticator app, no code"
SESSIONS = (BOTH_STEPS, PASSWORD_NO_APP, PASSWORD_APP_NO_CODE)
CASES = [(ANONYMOUS, BOTH_STEPS)] + [
    (role, session) for role in ROLES if role != ANONYMOUS for session in SESSIONS
]

OK = "200"
SIGN_IN = "sent to sign in"
SET_UP = "sent to set up an authenticator app"
SIGNED_OUT = "signed out, sent to sign in"


@dataclass
class Browser:
    client: Client
    user: User | None
    membership: Membership | None
    rae: User  # someone else, in a community of her own

    def seen(self, response: Any) -> str:
        """What the person sees, in words: a page, or where they were sent."""
        if response.status_code != 302:
            return str(response.status_code)
        location = response["Location"]
        if location.startswith("/accounts/2fa/totp/activate"):
            return SET_UP
        if location.startswith("/accounts/login/"):
            signed_in = "_auth_user_id" in self.client.session
            return SIGNED_OUT if self.user is not None and not signed_in else SIGN_IN
        return f"302 to {location}"


def browser(role: str, session: str) -> Browser:
    town = CommunityFactory(name="Town", slug="town")
    rae = MembershipFactory(community=CommunityFactory(name="Rae's own group")).user
    someone = person(role, town)
    if someone.user is None or session == BOTH_STEPS:
        return Browser(someone.client(), someone.user, someone.membership, rae)
    if session == PASSWORD_APP_NO_CODE:
        TOTP.activate(someone.user, generate_totp_secret())
    client = Client()
    client.force_login(someone.user)
    return Browser(client, someone.user, someone.membership, rae)


def second_factor_answer(role: str, session: str) -> str | None:
    """What the second-factor rule says before any page: None lets the request through."""
    if role not in SECOND_FACTOR_ROLES or session == BOTH_STEPS:
        return None
    return SET_UP if session == PASSWORD_NO_APP else SIGNED_OUT


@pytest.mark.parametrize(("role", "session"), CASES)
def test_the_account_page(role: str, session: str) -> None:
    who = browser(role, session)
    response = who.client.get("/account/")
    want = second_factor_answer(role, session) or (SIGN_IN if role == ANONYMOUS else OK)
    assert who.seen(response) == want
    if want == OK:
        page = response.content.decode()
        # Only the person's own communities (someone who left is no longer shown the community).
        shows_town = role not in (MEMBER_ELSEWHERE, COORDINATOR_ELSEWHERE, OPERATOR, LEFT)
        assert ("Town" in page) == shows_town
        assert "Rae&#x27;s own group" not in page and "Rae's own group" not in page
        if role in (MEMBER_ELSEWHERE, COORDINATOR_ELSEWHERE):
            assert who.membership is not None
            assert who.membership.community.name in page
        if role == ASKED_TO_JOIN:
            assert "Asked to join" in page


@pytest.mark.parametrize(("role", "session"), CASES)
def test_choosing_a_language(role: str, session: str) -> None:
    who = browser(role, session)
    response = who.client.post("/i18n/setlang/", {"language": "cy", "next": "/"})
    refusal = second_factor_answer(role, session)
    # Someone who must still set up an authenticator app may read the set-up pages in Welsh.
    want = SIGNED_OUT if refusal == SIGNED_OUT else "302 to /"
    assert who.seen(response) == want
    if who.user is not None:
        who.user.refresh_from_db()
        assert (who.user.language == "cy") == (want != SIGNED_OUT)
    who.rae.refresh_from_db()
    assert who.rae.language == "", "only the person's own language changes"


@pytest.mark.parametrize(("role", "session"), CASES)
def test_the_operators_admin(role: str, session: str) -> None:
    who = browser(role, session)
    client = who.client
    response = client.get("/operators/")
    refusal = second_factor_answer(role, session)
    if refusal is not None:
        assert who.seen(response) == refusal
    elif role == OPERATOR:
        assert response.status_code == 200
    else:
        # The admin sends everyone else to the operators' sign-in, which hands strangers to
        # the one sign-in and refuses whoever is signed in already.
        assert response.status_code == 302
        assert response["Location"].startswith("/operators/login/")
        handed_over = client.get(response["Location"])
        if role == ANONYMOUS:
            assert handed_over.status_code == 302
            assert handed_over["Location"].startswith("/accounts/login/?next=")
        else:
            assert handed_over.status_code == 403
