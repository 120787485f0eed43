"""Pages work under the site's strict Content-Security-Policy (issue 7, item 24).

Every page the browser tests open is checked for anything the policy blocked (`axe_check`),
the authenticator app's QR code (a data: image) included. This covers the one page that runs
scripts: the API docs, whose Swagger UI comes from our own static files.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import refused_by_policy

pytestmark = pytest.mark.browser


def test_the_api_docs_run_swagger_ui(page: Page) -> None:
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    page.get_by_role("heading", name="Coproduce API").first.wait_for()
    page.get_by_text("/api/v1/communities", exact=True).first.wait_for()
    assert not refused_by_policy(page)
