"""The page a person gets when an address or a form held a character we cannot accept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import axe_check

pytestmark = pytest.mark.browser


def test_a_refused_address_gets_a_plain_accessible_page(page):
    response = page.goto("/communities/?q=garden%00ing")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not read that")
    expect(page.get_by_role("link", name="Go to your home page")).to_be_visible()
    axe_check(page)
