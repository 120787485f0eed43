"""The exchange lifecycle through the JSON API, and its place in the OpenAPI schema."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.api.services import api_token_create
from coproduce.exchanges.tests.factories import (
    make_community,
    make_exchange,
    make_listing,
    make_member,
)
from coproduce.ledger.models import Account

pytestmark = pytest.mark.django_db


def api(member):
    token = api_token_create(user=member.user, name="test").raw
    return Client(headers={"authorization": f"Bearer {token}"})


@pytest.fixture
def town():
    return make_community(slug="town")


def test_ask_message_agree_record_confirm_thank(town):
    ann, bob = make_member(town), make_member(town)
    a, b = api(ann), api(bob)
    base = "/api/v1/communities/town"
    created = a.post(
        f"{base}/listings",
        {"kind": "offer", "category": "gardening", "title": "Help with gardening"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    hits = b.get(f"{base}/listings", {"q": "gardning"}).json()
    assert [hit["listing"]["title"] for hit in hits] == ["Help with gardening"]
    exchange = b.post(
        f"{base}/exchanges",
        {"listing_id": created.json()["id"], "message": "Hello"},
        content_type="application/json",
    ).json()
    url = f"{base}/exchanges/{exchange['id']}"
    assert (
        a.post(f"{url}/messages", {"text": "Sat?"}, content_type="application/json").status_code
        == 201
    )
    when = (timezone.now() + timedelta(days=1)).isoformat()
    assert (
        b.post(f"{url}/agree", {"agreed_for": when}, content_type="application/json").status_code
        == 200
    )
    key = str(uuid.uuid4())
    missing_key = a.post(f"{url}/record", {"minutes": 90}, content_type="application/json")
    assert missing_key.status_code == 400
    too_long = a.post(
        f"{url}/record",
        {"minutes": 1441},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert too_long.status_code == 400
    for _ in range(2):
        recorded = a.post(
            f"{url}/record",
            {"minutes": 90},
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )
        assert recorded.status_code == 200 and recorded.json()["status"] == "recorded"
    assert a.post(f"{url}/confirm").status_code == 403
    confirmed = b.post(f"{url}/confirm")
    assert confirmed.json()["status"] == "confirmed"
    assert Account.objects.get(membership=ann).balance == 90
    thanks = b.post(f"{url}/thanks", {"text": "Thank you"}, content_type="application/json")
    assert thanks.status_code == 201
    kinds = [event["kind"] for event in a.get(f"{url}/messages").json()]
    assert kinds == ["asked", "message", "agreed", "recorded", "confirmed", "thanked"]


def test_outsiders_get_404_and_cancelling_needs_a_reason(town):
    ann, bob = make_member(town), make_member(town)
    listing = make_listing(ann)
    exchange = (
        api(bob)
        .post(
            "/api/v1/communities/town/exchanges",
            {"listing_id": listing.pk},
            content_type="application/json",
        )
        .json()
    )
    url = f"/api/v1/communities/town/exchanges/{exchange['id']}"
    stranger = make_member(make_community(slug="elsewhere"))
    assert api(stranger).get(url).status_code == 404
    assert api(make_member(town)).get(url).status_code == 404
    assert (
        api(bob).post(f"{url}/cancel", {"reason": ""}, content_type="application/json").status_code
        == 400
    )
    cancelled = api(bob).post(f"{url}/cancel", {"reason": "Busy"}, content_type="application/json")
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize("minutes", ["90", "1:30", 90.5, True, 0, 1441])
def test_recorded_minutes_are_a_whole_number_in_range_as_on_the_page(town, minutes):
    ann, bob = make_member(town), make_member(town)
    exchange = make_exchange(ann, bob)
    response = api(ann).post(
        f"/api/v1/communities/town/exchanges/{exchange.pk}/record",
        {"minutes": minutes},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "minutes" in error["fields"]
    if minutes in (0, 1441):
        # The same words as the record page (coproduce/edge/units.py, minutes_refusal).
        expected = "at least 0:01" if minutes == 0 else "can't be more than 24:00"
        assert expected in error["fields"]["minutes"][0]
    assert not Account.objects.filter(membership=bob, debits_pending__gt=0).exists()


def test_every_exchange_path_is_in_the_openapi_schema_with_error_responses(town):
    schema = Client().get("/api/v1/openapi.json").json()
    base = "/api/v1/communities/{community}"
    for path in (
        "/categories",
        "/listings",
        "/listings/{listing_id}",
        "/exchanges",
        "/exchanges/{exchange_id}",
        "/exchanges/{exchange_id}/messages",
        "/exchanges/{exchange_id}/agree",
        "/exchanges/{exchange_id}/record",
        "/exchanges/{exchange_id}/confirm",
        "/exchanges/{exchange_id}/cancel",
        "/exchanges/{exchange_id}/thanks",
    ):
        operations = schema["paths"][base + path]
        for operation in operations.values():
            assert {"400", "401", "403", "404", "409"} <= set(operation["responses"])
    record = schema["paths"][base + "/exchanges/{exchange_id}/record"]["post"]
    assert "422" in record["responses"]
    body = record["requestBody"]["content"]["application/json"]["schema"]
    fields = schema["components"]["schemas"][body["$ref"].split("/")[-1]]["properties"]
    assert (fields["minutes"]["minimum"], fields["minutes"]["maximum"]) == (1, 1440)
    assert any(p["name"] == "Idempotency-Key" for p in record["parameters"])


def test_profile_api_shows_assets_and_hides_private_parts(town):
    ann, bob = make_member(town), make_member(town)
    changed = api(ann).patch(
        "/api/v1/communities/town/profile",
        {
            "gives_categories": ["gardening"],
            "good_life": "Walking my dog",
            "approx_latitude": "51.4321",
            "approx_longitude": "-0.0987",
            "visibility": {"gives": "members"},
        },
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["approx_latitude"] == "51.43"
    seen = api(bob).get(f"/api/v1/communities/town/memberships/{ann.pk}/profile").json()
    assert seen["gives_categories"] == ["gardening"]
    assert seen["good_life"] == ""  # coordinators only, by default
    assert "approx_latitude" not in seen
    bad = api(ann).patch(
        "/api/v1/communities/town/profile",
        {"gives_categories": ["juggling"]},
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_api_search_reveals_no_hidden_skill_free_time_or_exact_distance(town):
    from decimal import Decimal

    from coproduce.communities.services import profile_update

    ann, bob = make_member(town), make_member(town)
    ann.profile = profile_update(
        actor=ann,
        member=ann,
        gives_tags="saxophone",
        availability=["sat-morning"],
        approx_latitude=Decimal("51.43"),
        approx_longitude=Decimal("-0.09"),
        visibility={"gives": "coordinators", "availability": "coordinators"},
    )
    make_listing(ann, title="Music lessons")
    profile_update(
        actor=bob, member=bob, approx_latitude=Decimal("51.43"), approx_longitude=Decimal("-0.09")
    )
    url = "/api/v1/communities/town/listings"
    assert api(bob).get(f"{url}?q=saxophone").json() == []
    assert api(bob).get(f"{url}?day=sat&part=morning").json() == []
    hits = api(bob).get(f"{url}?within_km=0").json()
    assert [hit["listing"]["title"] for hit in hits] == ["Music lessons"]
    assert hits[0]["distance_km"] == 3
