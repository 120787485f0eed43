"""What every API answer says about caching, and where the API docs page loads its code from."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from coproduce.api.services import api_token_create

pytestmark = pytest.mark.django_db


def test_api_answers_are_never_stored(member):
    token = api_token_create(user=member.user, name="test").raw
    with_token = Client(headers={"authorization": f"Bearer {token}"})
    for response in (
        with_token.get("/api/v1/communities"),
        Client().get("/api/v1/communities"),  # the 401 error too
        Client().get("/api/v1/openapi.json"),
    ):
        assert "no-store" in response["Cache-Control"], response.status_code


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(address.endswith(".js") for address in addresses)
    for address in addresses:
        assert address.startswith(settings.STATIC_URL), f"{address} is not one of our files"
        assert finders.find(address.removeprefix(settings.STATIC_URL)), address
    # The page's scripts run under the site's policy: our own files only, nothing inline.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Swagger UI would otherwise show a badge image fetched from a third-party validator.
    settings_block = html.split('id="swagger-settings">')[1].split("</script>")[0]
    assert json.loads(settings_block)["validatorUrl"] is None
