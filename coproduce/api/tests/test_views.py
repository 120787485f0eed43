"""The account area's API token pages: a token is shown once, and only its owner can stop it."""

from __future__ import annotations

import pytest
from django.test import Client

from coproduce.api.models import ApiToken
from coproduce.api.services import api_token_create
from coproduce.communities.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_api_token_is_shown_once_and_can_be_stopped():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.post("/account/tokens/", {"name": "Surgery spreadsheet"}).content.decode()
    token = ApiToken.objects.get(user=user)
    assert token.hint in page
    raw = page.split('id="new-token">')[1].split("<")[0].strip()
    api = Client(headers={"authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/communities").status_code == 200
    assert raw not in client.get("/account/tokens/").content.decode()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/communities").status_code == 401


def test_an_empty_token_name_is_refused():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": ""})
    assert "error-summary" in response.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()


def test_someone_elses_token_cannot_be_stopped():
    owner = UserFactory()
    token = api_token_create(user=owner, name="mine").token
    client = Client()
    client.force_login(UserFactory())
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_the_token_page_is_never_stored():
    """The new token is shown once: neither the browser's cache nor a proxy may keep it."""
    client = Client()
    client.force_login(UserFactory())
    for response in (
        client.post("/account/tokens/", {"name": "Surgery spreadsheet"}),
        client.get("/account/tokens/"),
    ):
        assert "no-store" in response["Cache-Control"]
