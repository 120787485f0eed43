"""Every page is sent with a strict Content-Security-Policy (issue 7, item 24).

The site sends no script and no inline style, so the policy can allow our own files only.
Browser tests (tests/browser) load real pages under it and fail on any violation.
"""

from __future__ import annotations

import pytest
from django.test import Client

from coproduce.communities.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def test_pages_allow_only_our_own_files():
    policy = directives(Client().get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_the_authenticator_qr_code_may_be_shown(coordinator):
    """allauth draws the QR code as an inline data: image on the set-up page."""
    client = Client()
    client.post("/accounts/login/", {"login": coordinator.user.email, "password": TEST_PASSWORD})
    client.post(client.get("/accounts/2fa/totp/activate/")["Location"], {"password": TEST_PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    assert directives(page)["img-src"] == ["'self'", "data:"]
