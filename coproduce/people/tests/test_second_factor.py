"""Coordinators, admins and operators must use a second factor (DESIGN §4), in every session."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from coproduce.communities.tests.factories import TEST_PASSWORD, UserFactory
from coproduce.people.tests.sign_in import sign_in_with_second_factor, totp_code

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator():
    return UserFactory(is_staff=True, is_superuser=True)


def test_coordinator_without_second_factor_is_sent_to_set_one_up(coordinator):
    client = signed_in(coordinator.user)
    for path in (f"/c/{coordinator.community.slug}/", "/account/", "/communities/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/", follow=True).content.decode()
    assert "must set up a second step" in page


def test_coordinator_who_passed_the_second_factor_gets_in(coordinator):
    client = sign_in_with_second_factor(coordinator.user)
    assert client.get(f"/c/{coordinator.community.slug}/").status_code == 200


def test_members_do_not_need_a_second_factor(member):
    assert signed_in(member.user).get(f"/c/{member.community.slug}/").status_code == 200


def test_signing_in_with_password_alone_does_not_let_a_coordinator_in(coordinator):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": coordinator.user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert (
        client.get(f"/c/{coordinator.community.slug}/")["Location"]
        == "/accounts/2fa/totp/activate/"
    )


def test_with_totp_the_login_asks_for_the_code(coordinator):
    TOTP.activate(coordinator.user, generate_totp_secret())
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": coordinator.user.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get(f"/c/{coordinator.community.slug}/").status_code == 302


def test_the_demo_can_relax_it_and_says_so(coordinator, settings):
    settings.COPRODUCE_STAFF_MFA_REQUIRED = False
    settings.COPRODUCE_DEMO = True
    response = signed_in(coordinator.user).get(f"/c/{coordinator.community.slug}/")
    assert response.status_code == 200
    assert "without a second step" in response.content.decode()


# --- One sign-in for every staff area (issue 7, item 1) ------------------------------------


def test_the_operators_sign_in_hands_over_to_the_one_sign_in():
    response = Client().get("/operators/login/", {"next": "/operators/communities/community/"})
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/login/?next=" + quote("/operators/communities/community/", safe="")
    )


def test_the_operators_admin_sends_people_to_the_one_sign_in():
    response = Client().get("/operators/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Foperators%2F"


def test_a_password_posted_to_the_operators_sign_in_lets_nobody_in(operator):
    TOTP.activate(operator, generate_totp_secret())
    client = Client()
    client.post(
        "/operators/login/",
        {"username": operator.email, "password": TEST_PASSWORD, "next": "/operators/"},
    )
    assert client.get("/operators/").status_code == 302
    assert client.get("/account/")["Location"].startswith("/accounts/login/")


def test_an_operator_with_totp_and_password_alone_cannot_reach_the_admin(operator):
    TOTP.activate(operator, generate_totp_secret())
    client = Client()
    response = client.post(
        "/accounts/login/?next=/operators/", {"login": operator.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/operators/").status_code == 302


def test_an_operator_with_the_code_reaches_the_admin(operator):
    client = Client()
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    sign_in = client.get("/operators/", follow=True).redirect_chain[-1][0]
    response = client.post(sign_in, {"login": operator.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/operators/"
    assert client.get("/operators/").status_code == 200


def test_a_session_that_skipped_the_second_step_is_signed_out(operator, coordinator):
    """A session made without the code (as the operators' own form used to make) is not enough,
    even though the person has an authenticator app."""
    for user, path in ((operator, "/operators/"), (coordinator.user, "/account/")):
        TOTP.activate(user, generate_totp_secret())
        client = signed_in(user)
        response = client.get(path, follow=True)
        assert response.redirect_chain[0][0] == "/accounts/login/?next=" + quote(path, safe="")
        assert "code from your authenticator app" in response.content.decode()
        assert client.get(path).status_code == 302, "the session was not signed out"


def test_the_api_refuses_a_session_that_skipped_the_second_step(coordinator):
    TOTP.activate(coordinator.user, generate_totp_secret())
    response = signed_in(coordinator.user).get("/api/v1/communities")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "second_factor_required"
    assert "authenticator app" in error["message"]
    client = sign_in_with_second_factor(coordinator.user)
    assert client.get("/api/v1/communities").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_setting_up_the_authenticator_app_counts_as_the_second_step(coordinator):
    """Real commits: allauth announces the new app once its transaction commits."""
    client = Client()
    client.post("/accounts/login/", {"login": coordinator.user.email, "password": TEST_PASSWORD})
    confirm = client.get("/accounts/2fa/totp/activate/")["Location"]
    assert confirm.startswith("/accounts/reauthenticate/"), "allauth asks for the password again"
    client.post(confirm, {"password": TEST_PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]{32})"[^>]*id="authenticator_secret"', page)
    assert secret, "the page shows the secret to type into the app"
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret.group(1))})
    assert response.status_code == 302
    assert client.get(f"/c/{coordinator.community.slug}/").status_code == 200


# --- Rate limits on the staff sign-in (issue 7, item 2) ------------------------------------


def test_wrong_passwords_on_the_staff_sign_in_are_rate_limited(operator):
    TOTP.activate(operator, generate_totp_secret())
    client = Client()
    sign_in = client.get("/operators/login/", {"next": "/operators/"}, follow=True)
    address = sign_in.redirect_chain[-1][0]
    pages = [
        client.post(address, {"login": operator.email, "password": f"wrong {n}"}) for n in range(12)
    ]
    assert all(page.status_code != 302 for page in pages)
    assert "Too many failed login attempts" not in pages[0].content.decode()
    assert "Too many failed login attempts" in pages[-1].content.decode()
    right = client.post(address, {"login": operator.email, "password": TEST_PASSWORD})
    assert right.status_code != 302, "even the right password waits until the limit passes"
    assert "Too many failed login attempts" in right.content.decode()
