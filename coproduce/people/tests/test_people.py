"""People: signing in by email, language choice remembered."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.test import Client

from coproduce.communities.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_users_sign_in_by_email_in_any_case():
    user = get_user_model().objects.create_user(email="Agnes@Example.org", password=TEST_PASSWORD)
    assert user.email == "agnes@example.org"
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "AGNES@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code in (200, 302)


def test_email_is_unique_whatever_its_case():
    get_user_model().objects.create_user(email="sam@example.org")
    with pytest.raises(IntegrityError):
        get_user_model().objects.create(email="SAM@example.org")


def test_language_choice_is_remembered_on_another_device():
    user = UserFactory()
    first = Client()
    first.force_login(user)
    response = first.post("/i18n/setlang/", {"language": "cy", "next": "/account/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "cy"
    second = Client()
    second.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    page = second.get("/account/")
    assert page.status_code == 200
    assert '<html lang="cy">' in page.content.decode()


def test_language_switch_works_without_signing_in():
    client = Client()
    client.post("/i18n/setlang/", {"language": "cy", "next": "/"})
    assert '<html lang="cy">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_language_cookie_stays_on_this_site_and_away_from_scripts(settings):
    response = Client().post("/i18n/setlang/", {"language": "cy", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "cy"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
    # Over HTTPS only whenever the session cookie is (always, unless DEBUG or the demo).
    assert bool(cookie["secure"]) is settings.SESSION_COOKIE_SECURE


def test_repeated_wrong_passwords_are_rate_limited(settings):
    user = UserFactory()
    client = Client()
    pages = [
        client.post("/accounts/login/", {"login": user.email, "password": "wrong"}).content.decode()
        for _attempt in range(6)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    right = client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    assert right.status_code == 200, "even the right password waits until the limit passes"


def test_a_login_an_operator_makes_signs_in_at_once_with_its_address_verified():
    from coproduce.people.services import user_create

    user = user_create(email="Becky@Example.org", password=TEST_PASSWORD, name="Becky Osei")
    assert (user.email, user.name) == ("becky@example.org", "Becky Osei")
    assert user.emailaddress_set.get().verified
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "becky@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and "confirm" not in response["Location"]
