"""Sign people in for tests the way they really sign in: allauth's form, then the code from
their authenticator app. Coordinators, administrators and operators are let in only with a
session that passed that second step, so a `force_login` session will not do for them."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.test import Client
from django.urls import reverse

from coproduce.communities.tests.factories import TEST_PASSWORD


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret."""
    # A code read in the last second of its period may have expired by the time it is checked.
    if time.time() % mfa_settings.TOTP_PERIOD > mfa_settings.TOTP_PERIOD - 1:
        time.sleep(1.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def sign_in_with_second_factor(user: Any, *, password: str = TEST_PASSWORD) -> Client:
    """A browser signed in through allauth: email and password, then the authenticator's code.

    The person is given a new authenticator app first (any old one is replaced): allauth
    refuses a code used twice, and a fresh secret lets a test sign one person in more than
    once within a code's 30 seconds.
    """
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302, "the password was refused"
    assert response["Location"] == reverse("mfa_authenticate"), response["Location"]
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302, "the authenticator's code was refused"
    return client


def same_sign_in_elsewhere(client: Client) -> Client:
    """Another browser holding a copy of `client`'s session, second step included.

    For a test that needs a fresh signed-in browser for every request (one request may sign the
    session out) without going through the sign-in form hundreds of times.
    """
    engine = import_module(settings.SESSION_ENGINE)
    original = engine.SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    copy = engine.SessionStore()
    copy.update(original.load())
    copy.create()
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = copy.session_key
    return other
