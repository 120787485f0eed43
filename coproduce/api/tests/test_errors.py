"""Bad input and errors the API did not shape (issue 7, items 11-15, 18 and 20).

Each answer is checked as a caller sees it: the status, and the one JSON error shape
{"error": {"code", "message", "fields"}}. Faults first seen on PostgreSQL run on both
databases: on SQLite they were answered as if nothing were wrong, which is no better.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from coproduce.communities.models import Community, Membership
from coproduce.exchanges.tests.factories import make_community, make_exchange, make_listing
from coproduce.ledger.tests.factories import account_of, make_coordinator, make_member, signed_in

pytestmark = pytest.mark.django_db

HUGE = "100000000000000000000"  # 10**20: past every 64-bit integer


@dataclass
class Town:
    community: Community
    coordinator: Membership
    member: Membership
    client: Client
    member_client: Client

    @property
    def base(self) -> str:
        return f"/api/v1/communities/{self.community.slug}"


@pytest.fixture
def town() -> Town:
    community = make_community()
    coordinator = make_coordinator(community, with_login=True)
    member = make_member(community, with_login=True)
    return Town(
        community=community,
        coordinator=coordinator,
        member=member,
        client=signed_in(coordinator, second_factor=True),
        member_client=signed_in(member),
    )


def send(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    return client.generic(
        method,
        path,
        json.dumps(body if body is not None else {}),
        content_type="application/json",
        headers=headers,
    )


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The response has `status` and the documented JSON error shape; its error."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert all(isinstance(messages, list) for messages in error["fields"].values())
    return dict(error)


def transfer_body(town: Town, **changes: Any) -> dict[str, Any]:
    friend = make_member(town.community)
    return {
        "debit_account": account_of(town.member).pk,
        "credit_account": account_of(friend).pk,
        "kind": "gift",
        "minutes": 30,
        **changes,
    }


# 11. NUL characters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/listings", "q"),
        ("/listings", "kind"),
        ("/memberships", "search"),
        ("/transfers", "kind"),
    ],
)
def test_a_nul_character_in_a_query_parameter_is_refused(
    town: Town, path: str, parameter: str
) -> None:
    response = town.client.get(town.base + path, {parameter: "garden\x00ing"})
    assert error_of(response, 400)["code"] == "invalid"


def test_a_nul_character_in_a_path_is_refused(town: Town) -> None:
    response = town.client.get("/api/v1/communities/town%00/balance")
    assert error_of(response, 400)["code"] == "invalid"


def test_a_nul_character_in_a_json_body_is_refused_with_the_field_named(town: Town) -> None:
    listing = make_listing(town.member)
    exchange = make_exchange(town.member, make_member(town.community))
    cases = [
        (
            "POST",
            "/listings",
            {"kind": "offer", "category": "gardening", "title": "Dig\x00ging"},
            "title",
        ),
        ("PATCH", f"/listings/{listing.pk}", {"description": "a\x00b"}, "description"),
        ("POST", "/exchanges", {"listing_id": listing.pk, "message": "Hi\x00"}, "message"),
        ("POST", f"/exchanges/{exchange.pk}/messages", {"text": "\x00"}, "text"),
        ("PATCH", "/profile", {"display_name": "Sam\x00"}, "display_name"),
        ("PATCH", "/profile", {"gives_categories": ["garden\x00"]}, "gives_categories.0"),
        ("PATCH", "/profile", {"visibility": {"gives\x00": "members"}}, "visibility"),
    ]
    for method, path, body, field in cases:
        response = send(town.member_client, method, town.base + path, body)
        error = error_of(response, 400)
        assert error["code"] == "invalid", (path, error)
        assert field in error["fields"], (path, error)
    transfer = send(
        town.member_client,
        "POST",
        town.base + "/transfers",
        transfer_body(town, memo="thanks\x00"),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert "memo" in error_of(transfer, 400)["fields"]


def test_a_nul_character_on_a_page_gets_a_plain_page_not_an_error(town: Town) -> None:
    search = town.member_client.get(f"/c/{town.community.slug}/exchange/", {"q": "garden\x00ing"})
    statement = town.member_client.get(
        f"/c/{town.community.slug}/credits/", {"date_from": "2025-01-01\x00"}
    )
    for response in (search, statement):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert "character" in response.content.decode()
    form = town.member_client.post(
        f"/c/{town.community.slug}/exchange/listings/new/",
        {"kind": "offer", "category": "gardening", "title": "Dig\x00ging"},
    )
    assert form.status_code == 400


# 12. Huge limit and offset ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/memberships", "/accounts", "/transfers", "/listings", "/exchanges"]
)
@pytest.mark.parametrize("parameter", ["limit", "offset"])
def test_a_huge_limit_or_offset_is_refused(town: Town, path: str, parameter: str) -> None:
    response = town.client.get(town.base + path, {parameter: HUGE})
    error = error_of(response, 400)
    assert error["code"] == "invalid" and parameter in error["fields"]


@pytest.mark.parametrize("path", ["/memberships", "/accounts", "/transfers", "/exchanges"])
def test_the_largest_offset_allowed_answers_an_empty_page(town: Town, path: str) -> None:
    response = town.client.get(town.base + path, {"offset": str(2**63 - 1), "limit": "100"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["items"] if isinstance(body, dict) else body) == []


def test_a_huge_id_in_a_path_or_body_is_refused(town: Town) -> None:
    error_of(town.client.get(f"{town.base}/memberships/{HUGE}"), 400)
    error_of(town.client.get(f"{town.base}/accounts/{HUGE}"), 400)
    response = send(
        town.member_client,
        "POST",
        town.base + "/transfers",
        transfer_body(town, credit_account=int(HUGE)),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert "credit_account" in error_of(response, 400)["fields"]


# 13 and 14. Offsets PostgreSQL cannot store; the edges of the calendar ---------------------


@pytest.mark.parametrize(
    "as_of",
    [
        "2025-06-01T10:00:00-23:15",
        "2025-06-01T10:00:00+16:00",
        "9999-12-31",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2025-06-01T10:00:00",  # no time zone: which 10 o'clock?
    ],
)
def test_a_balance_as_of_a_time_that_cannot_be_stored_is_refused(town: Town, as_of: str) -> None:
    response = town.member_client.get(town.base + "/balance", {"as_of": as_of})
    error = error_of(response, 400)
    assert error["code"] == "invalid" and "as_of" in error["fields"]


def test_a_balance_as_of_a_real_offset_is_answered(town: Town) -> None:
    for as_of in ("2025-06-01T10:00:00+14:00", "2025-06-01T10:00:00-12:00", "2025-06-01T10:00Z"):
        response = town.member_client.get(town.base + "/balance", {"as_of": as_of})
        assert response.status_code == 200, response.content
        assert response.json()["balance_as_of"] == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", "2030-06-01T10:00:00+16:00"),
        ("starts_at", "2030-06-01T10:00:00-23:15"),
        ("expires_at", "9999-12-31T23:59:59-14:00"),
    ],
)
def test_a_listing_at_a_time_that_cannot_be_stored_is_refused(
    town: Town, field: str, value: str
) -> None:
    body = {"kind": "offer", "category": "gardening", "title": "Digging", field: value}
    response = send(town.member_client, "POST", town.base + "/listings", body)
    assert field in error_of(response, 400)["fields"]


def test_a_transfer_given_at_the_end_of_the_calendar_is_refused(town: Town) -> None:
    response = send(
        town.member_client,
        "POST",
        town.base + "/transfers",
        transfer_body(town, given_at="9999-12-31T23:59:59-14:00"),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    assert "given_at" in error_of(response, 400)["fields"]


@pytest.mark.parametrize("parameter", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_statement_to_the_end_of_the_calendar_is_refused(
    town: Town, parameter: str, day: str
) -> None:
    account = account_of(town.member)
    response = town.member_client.get(
        f"{town.base}/accounts/{account.pk}/statement", {parameter: day}
    )
    assert parameter in error_of(response, 400)["fields"]


@pytest.mark.parametrize("agreed_for", ["2030-06-01T10:00:00-23:15", "9999-12-31T23:59:59-14:00"])
def test_an_exchange_agreed_for_a_time_that_cannot_be_stored_is_refused(
    town: Town, agreed_for: str
) -> None:
    exchange = make_exchange(town.member, make_member(town.community))
    agree = send(
        town.member_client,
        "POST",
        f"{town.base}/exchanges/{exchange.pk}/agree",
        {"agreed_for": agreed_for},
    )
    assert "agreed_for" in error_of(agree, 400)["fields"]


# 15. An unexpected error ----------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_a_logged_500_in_the_error_shape(
    town: Town, settings: Any, caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    """A real fault, not a stand-in: the categories table is missing, as it would be on a
    server where `migrate` was not run. (The test's transaction puts it back.)"""
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(town.member.user)
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # DROP waits for no pending checks
            cursor.execute("DROP TABLE exchanges_category CASCADE")
        else:
            cursor.execute("DROP TABLE exchanges_category")
    with caplog.at_level(logging.ERROR):
        response = client.get(town.base + "/categories")
    error = error_of(response, 500)
    assert error["code"] == "server_error"
    assert "exchanges_category" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    logged = [record for record in caplog.records if record.exc_info]
    assert logged, "the error was not logged with its traceback"
    assert logged[0].exc_info is not None
    assert "exchanges_category" in str(logged[0].exc_info[1])


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# 18. Strict types and content types -----------------------------------------------------


@pytest.mark.parametrize("minutes", [True, "5", 5.0, "1e3"])
def test_minutes_must_be_a_whole_number_not_a_boolean_or_text(town: Town, minutes: Any) -> None:
    response = send(
        town.member_client,
        "POST",
        town.base + "/transfers",
        transfer_body(town, minutes=minutes),
        **{"Idempotency-Key": str(uuid.uuid4())},
    )
    error = error_of(response, 400)
    assert error["code"] == "invalid" and "minutes" in error["fields"]


def test_recorded_minutes_must_be_a_whole_number(town: Town) -> None:
    exchange = make_exchange(town.member, make_member(town.community))
    for minutes in (True, "90"):
        response = send(
            town.member_client,
            "POST",
            f"{town.base}/exchanges/{exchange.pk}/record",
            {"minutes": minutes},
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        assert "minutes" in error_of(response, 400)["fields"]


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_sent_as_json_is_refused(town: Town, content_type: str) -> None:
    response = town.member_client.generic(
        "POST",
        town.base + "/listings",
        json.dumps({"kind": "offer", "category": "gardening", "title": "Digging"}),
        content_type=content_type,
    )
    error = error_of(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


def test_json_with_a_charset_is_accepted(town: Town) -> None:
    response = town.member_client.generic(
        "POST",
        town.base + "/listings",
        json.dumps({"kind": "offer", "category": "gardening", "title": "Digging"}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "{", "{'a': 1}"])
def test_a_body_that_is_not_a_json_object_is_refused(town: Town, body: str) -> None:
    response = town.member_client.generic(
        "POST", town.base + "/listings", body, content_type="application/json"
    )
    assert error_of(response, 400)["code"] == "invalid"


# 20. Errors Django or django-ninja answered in their own shapes ---------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_the_size_limit_is_a_413(town: Town, settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    body = {
        "kind": "offer",
        "category": "gardening",
        "title": "Digging",
        "description": "x" * 3_000_000,
    }
    response = send(town.member_client, "POST", town.base + "/listings", body)
    assert error_of(response, 413)["code"] == "too_large"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/transfers"),
        ("PATCH", "/transfers"),
        ("DELETE", "/transfers"),
        ("GET", "/holds"),
        ("PUT", "/transfers/1"),
    ],
)
def test_a_method_an_endpoint_does_not_take_is_a_405(
    town: Town, settings: Any, debug: bool, method: str, path: str
) -> None:
    settings.DEBUG = debug
    response = send(town.member_client, method, town.base + path)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"] or "GET" in response["Allow"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_api_path_is_a_404(town: Town, settings: Any, debug: bool) -> None:
    settings.DEBUG = debug
    for path in ("/api/v1/nothing-here", "/api/v2/communities", town.base + "/nothing"):
        assert error_of(town.member_client.get(path), 404)["code"] == "not_found"


@pytest.mark.parametrize("field", ["credit_account", "for_member", "listing_id", "on_behalf_of"])
def test_another_communitys_id_in_a_body_is_answered_like_a_missing_one(
    town: Town, field: str
) -> None:
    elsewhere = make_community()
    stranger = make_member(elsewhere, with_login=True)
    theirs = {
        "credit_account": account_of(stranger).pk,
        "for_member": stranger.pk,
        "listing_id": make_listing(stranger).pk,
        "on_behalf_of": stranger.pk,
    }[field]
    answers = []
    for ident in (theirs, theirs + 100_000):
        if field in ("credit_account", "for_member"):
            response = send(
                town.client,
                "POST",
                town.base + "/transfers",
                transfer_body(town, **{field: ident}),
                **{"Idempotency-Key": str(uuid.uuid4())},
            )
        else:
            listing = make_listing(town.member)
            body = {"listing_id": ident} if field == "listing_id" else {"listing_id": listing.pk}
            if field == "on_behalf_of":
                body["on_behalf_of"] = ident
            response = send(town.client, "POST", town.base + "/exchanges", body)
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] in (400, 404), answers[0]


def test_pages_outside_the_api_keep_their_html_errors(town: Town) -> None:
    response = town.member_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_times_in_range_still_work(town: Town) -> None:
    """The bounds refuse only what cannot be stored: an ordinary listing is made as before."""
    starts = (timezone.now() + timedelta(days=3)).isoformat()
    body = {"kind": "offer", "category": "gardening", "title": "Digging", "starts_at": starts}
    response = send(town.member_client, "POST", town.base + "/listings", body)
    assert response.status_code == 201, response.content


# Found by the fuzz test ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "description", "venue", "capacity", "expires_at"])
def test_a_listing_change_to_null_is_refused_not_stored(town: Town, field: str) -> None:
    """Only starts_at can be cleared; null elsewhere used to reach a NOT NULL column."""
    listing = make_listing(town.member)
    response = send(
        town.member_client, "PATCH", f"{town.base}/listings/{listing.pk}", {field: None}
    )
    assert field in error_of(response, 400)["fields"]
    cleared = send(
        town.member_client, "PATCH", f"{town.base}/listings/{listing.pk}", {"starts_at": None}
    )
    assert cleared.status_code == 200 and cleared.json()["starts_at"] is None


def test_too_many_query_fields_is_a_400_in_the_error_shape(town: Town) -> None:
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields with its own 400 page."""
    query = "&".join(f"q{number}=x" for number in range(1001))
    response = town.member_client.get(f"{town.base}/listings?{query}")
    assert error_of(response, 400)["code"] == "invalid"
