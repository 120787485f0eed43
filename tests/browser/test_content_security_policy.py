"""Pages work under the site's strict Content-Security-Policy (issue 7, item 24).

Every page the browser tests open is checked for anything the policy blocked (`axe_check`),
the authenticator app's QR code (a data: image) included. These cover the pages that run
scripts: the API docs (Swagger UI, from our own static files) and the operators' admin.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from coproduce.communities.tests.factories import TEST_PASSWORD, UserFactory

from .conftest import SIGN_IN, refused_by_policy, totp_activate, totp_code

pytestmark = pytest.mark.browser


def test_the_api_docs_run_swagger_ui(page: Page) -> None:
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    page.get_by_role("heading", name="Coproduce API").first.wait_for()
    page.get_by_text("/api/v1/communities", exact=True).first.wait_for()
    assert not refused_by_policy(page)


def test_an_operator_signs_in_with_the_code_and_uses_the_admin(page: Page) -> None:
    """/operators/ goes through the one sign-in, second step included; Django's admin pages
    (their scripts and inline forms) then work under the policy."""
    operator = UserFactory(is_staff=True, is_superuser=True)
    secret = totp_activate(operator)
    page.goto("/operators/")
    assert "/accounts/login/" in page.url, page.url
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.locator("main").get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(secret))
    page.locator("main").get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/operators/")
    for path in (
        "/operators/communities/membership/",
        "/operators/communities/membership/add/",
        "/operators/communities/community/add/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
    assert not refused_by_policy(page)
