"""Coordinators and admins must use a second factor (DESIGN §4)."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_coordinator_without_second_factor_is_sent_to_set_one_up(coordinator):
    client = signed_in(coordinator.user)
    for path in (f"/c/{coordinator.community.slug}/", "/account/", "/communities/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/", follow=True).content.decode()
    assert "must set up a second step" in page


def test_coordinator_with_second_factor_gets_in(coordinator):
    TOTP.activate(coordinator.user, generate_totp_secret())
    assert signed_in(coordinator.user).get(f"/c/{coordinator.community.slug}/").status_code == 200


def test_members_do_not_need_a_second_factor(member):
    assert signed_in(member.user).get(f"/c/{member.community.slug}/").status_code == 200


def test_signing_in_with_password_alone_does_not_let_a_coordinator_in(coordinator):
    from coproduce.communities.tests.factories import TEST_PASSWORD

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
    from coproduce.communities.tests.factories import TEST_PASSWORD

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
