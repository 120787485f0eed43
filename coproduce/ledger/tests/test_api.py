"""The time-credit API: idempotent creation, holds, reversal, balances, statements, errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    community_account,
    make_community,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/communities/{slug}"


def post(
    client: Client, path: str, body: dict[str, Any] | None = None, key: uuid.UUID | None = None
) -> Any:
    headers = {"Idempotency-Key": str(key)} if key else {}
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_a_member_gives_with_an_idempotency_key_and_a_retry_pays_once(
    community: Community, member: Membership, member_client: Client
) -> None:
    friend = make_member(community)
    body = {
        "debit_account": account_of(member).pk,
        "credit_account": account_of(friend).pk,
        "kind": "gift",
        "minutes": 30,
        "memo": "Thanks",
    }
    key = uuid.uuid4()
    path = BASE.format(slug=community.slug) + "/transfers"
    first = post(member_client, path, body, key)
    again = post(member_client, path, body, key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["minutes"] == 30 and first.json()["idempotency_key"] == str(key)
    conflict = post(member_client, path, {**body, "minutes": 31}, key)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert Transfer.objects.count() == 1


def test_creating_without_a_key_is_refused(
    community: Community, member: Membership, member_client: Client
) -> None:
    body = {
        "debit_account": account_of(member).pk,
        "credit_account": account_of(member).pk,
        "kind": "gift",
        "minutes": 5,
    }
    response = post(member_client, BASE.format(slug=community.slug) + "/transfers", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_limit_refusal_is_a_clear_422(
    community: Community, member: Membership, member_client: Client
) -> None:
    member.profile.display_name = "Sam"
    member.profile.save()
    body = {
        "debit_account": account_of(member).pk,
        "credit_account": account_of(make_member(community)).pk,
        "kind": "gift",
        "minutes": 601,
    }
    response = post(
        member_client, BASE.format(slug=community.slug) + "/transfers", body, uuid.uuid4()
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "limit_exceeded"
    assert (
        error["message"]
        == "Your balance would go below \u221210:00; the most you can give now is 10:00."
    )


def test_members_cannot_pay_from_someone_elses_account(
    community: Community, member: Membership, member_client: Client
) -> None:
    body = {
        "debit_account": account_of(make_member(community)).pk,
        "credit_account": account_of(member).pk,
        "kind": "gift",
        "minutes": 5,
    }
    response = post(
        member_client, BASE.format(slug=community.slug) + "/transfers", body, uuid.uuid4()
    )
    assert response.status_code == 403


def test_hold_post_void_and_reverse(
    community: Community, member: Membership, coordinator: Membership, coordinator_client: Client
) -> None:
    base = BASE.format(slug=community.slug)
    payer = make_member(community)
    body = {
        "debit_account": account_of(payer).pk,
        "credit_account": account_of(member).pk,
        "kind": "exchange",
        "minutes_given": 60,
    }
    hold = post(coordinator_client, base + "/holds", body, uuid.uuid4()).json()
    assert hold["phase"] == "pending" and hold["credit_rule_version"] == 1
    posted = post(coordinator_client, f"{base}/transfers/{hold['id']}/post")
    assert posted.status_code == 200 and posted.json()["phase"] == "post"
    voided = post(coordinator_client, f"{base}/transfers/{hold['id']}/void")
    assert voided.status_code == 409 and voided.json()["error"]["code"] == "already_resolved"
    reversal = post(
        coordinator_client, f"{base}/transfers/{posted.json()['id']}/reverse", {"memo": "Oops"}
    )
    assert reversal.status_code == 201 and reversal.json()["reverses"] == posted.json()["id"]
    twice = post(coordinator_client, f"{base}/transfers/{posted.json()['id']}/reverse")
    assert twice.json()["error"]["code"] == "already_reversed"


def test_balance_accounts_transfers_and_statement(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    base = BASE.format(slug=community.slug)
    pay(coordinator, account_of(make_member(community)), account_of(member), 90)
    balance = member_client.get(base + "/balance").json()
    assert balance["account"]["balance"] == 90 and balance["account"]["floor"] == -600
    accounts = member_client.get(base + "/accounts").json()
    assert [a["id"] for a in accounts["items"]] == [account_of(member).pk]
    transfers = member_client.get(base + "/transfers").json()
    assert transfers["count"] == 1
    statement = member_client.get(f"{base}/accounts/{account_of(member).pk}/statement").json()
    assert [(line["change"], line["balance"]) for line in statement["lines"]] == [(90, 90)]


def test_another_community_answers_404(member_client: Client) -> None:
    elsewhere = make_community()
    response = member_client.get(BASE.format(slug=elsewhere.slug) + "/balance")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_openapi_schema_documents_the_ledger(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    create = paths["/api/v1/communities/{community}/transfers"]["post"]
    header = next(p for p in create["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is True
    assert {"201", "409", "422"} <= set(create["responses"])
    for path in (
        "/api/v1/communities/{community}/holds",
        "/api/v1/communities/{community}/transfers/{transfer_id}/post",
        "/api/v1/communities/{community}/transfers/{transfer_id}/void",
        "/api/v1/communities/{community}/transfers/{transfer_id}/reverse",
        "/api/v1/communities/{community}/balance",
        "/api/v1/communities/{community}/accounts/{account_id}/statement",
    ):
        assert path in paths


def test_a_member_cannot_hold_another_members_credits_through_the_api(
    community: Community, member: Membership, member_client: Client
) -> None:
    """Holding someone else's credits is how an agreed exchange is recorded, in the exchanges
    app; the bare ledger API would let anyone freeze a neighbour's balance."""
    neighbour = make_member(community)
    body = {
        "debit_account": account_of(neighbour).pk,
        "credit_account": account_of(member).pk,
        "kind": "exchange",
        "minutes_given": 60,
    }
    response = post(member_client, BASE.format(slug=community.slug) + "/holds", body, uuid.uuid4())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Transfer.objects.exists()
    assert account_of(neighbour).debits_pending == 0


# --- Hardening (issue 7) -------------------------------------------------------------------------


def transfer_body(debit: Account, credit: Account, **fields: Any) -> dict[str, Any]:
    return {"debit_account": debit.pk, "credit_account": credit.pk, **fields}


@pytest.mark.parametrize(
    "amount",
    [{"minutes": 2**63 - 1}, {"minutes": 2**62}, {"kind": "award", "minutes_given": 2**62}],
)
def test_an_amount_no_transfer_could_move_is_refused_plainly(
    coordinator: Membership, coordinator_client: Client, amount: dict[str, Any]
) -> None:
    community = coordinator.community
    services.account_limits_set(
        actor=coordinator,
        account=community_account(community, Account.Kind.ISSUANCE),
        floor=None,
        ceiling=None,
    )
    body = transfer_body(
        community_account(community, Account.Kind.ISSUANCE),
        account_of(make_member(community)),
        **{"kind": "award", **amount},
    )
    response = post(
        coordinator_client, BASE.format(slug=community.slug) + "/transfers", body, uuid.uuid4()
    )
    assert response.status_code in (400, 422)
    error = response.json()["error"]
    assert "1000:00" in error["message"]
    assert not Transfer.objects.exists()


def test_leaving_out_the_amount_says_what_to_send(
    community: Community, member: Membership, member_client: Client
) -> None:
    body = transfer_body(account_of(member), account_of(make_member(community)), kind="gift")
    response = post(
        member_client, BASE.format(slug=community.slug) + "/transfers", body, uuid.uuid4()
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "not both" not in message
    assert "minutes" in message and "minutes_given" in message


@pytest.mark.parametrize("given_at", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:00Z"])
def test_a_time_given_outside_any_calendar_we_use_is_refused_plainly(
    coordinator: Membership, coordinator_client: Client, given_at: str
) -> None:
    community = coordinator.community
    body = transfer_body(
        account_of(make_member(community)),
        account_of(make_member(community)),
        kind="exchange",
        minutes_given=60,
        given_at=given_at,
    )
    response = post(
        coordinator_client, BASE.format(slug=community.slug) + "/transfers", body, uuid.uuid4()
    )
    # Refused at the API's edge (api/schema.py BoundedDatetime), beside the field; the service
    # refuses the same times for the pages (ledger/tests/test_views.py).
    assert response.status_code == 400
    assert "given_at" in response.json()["error"]["fields"]
    assert not Transfer.objects.exists()


def test_the_balance_says_what_you_can_give_now(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    base = BASE.format(slug=community.slug)
    pay(coordinator, account_of(member), account_of(make_member(community)), 90)
    services.transfer_hold(
        actor=member,
        debit=account_of(member),
        credit=account_of(make_member(community)),
        kind="gift",
        minutes=30,
    )
    balance = member_client.get(base + "/balance").json()
    assert balance["account"]["floor"] == -600
    assert balance["can_give_now"] == 600 - 90 - 30
    services.account_limits_set(
        actor=coordinator, account=account_of(member), floor=None, ceiling=None
    )
    assert member_client.get(base + "/balance").json()["can_give_now"] is None


def test_a_member_can_cancel_a_gift_they_put_on_hold_but_not_a_hold_on_someone_else(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    base = BASE.format(slug=community.slug)
    friend = make_member(community)
    body = transfer_body(account_of(member), account_of(friend), kind="gift", minutes=45)
    hold = post(member_client, base + "/holds", body, uuid.uuid4()).json()
    voided = post(member_client, f"{base}/transfers/{hold['id']}/void")
    assert voided.status_code == 200 and voided.json()["phase"] == "void"
    assert account_of(member).debits_pending == 0
    # A hold a coordinator put on the member's credits is not the member's to cancel, nor is one
    # between two other members.
    theirs = services.transfer_hold(
        actor=coordinator,
        debit=account_of(member),
        credit=account_of(friend),
        kind="gift",
        minutes=15,
    )
    others = services.transfer_hold(
        actor=coordinator,
        debit=account_of(friend),
        credit=account_of(make_member(community)),
        kind="gift",
        minutes=15,
    )
    assert post(member_client, f"{base}/transfers/{theirs.pk}/void").status_code == 403
    assert post(member_client, f"{base}/transfers/{others.pk}/void").status_code == 404
    assert account_of(member).debits_pending == 15


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("statement", {"date_to": "9999-12-31"}, 90),
        ("statement", {"date_from": "0001-01-01", "date_to": "9999-12-31"}, 90),
        ("balance", {"as_of": "9999-12-31"}, 90),
        ("balance", {"as_of": "9999-12-31T23:59:59-14:00"}, 90),
        ("balance", {"as_of": "0001-01-01T00:00:00+14:00"}, 0),
        ("balance", {"as_of": "2999-01-01T10:00:00-23:15"}, 90),
        ("balance", {"as_of": "2001-01-01T10:00:00+16:00"}, 0),
    ],
)
def test_calendar_edges_and_odd_offsets_answer_200_or_a_plain_400(
    community: Community,
    member: Membership,
    coordinator: Membership,
    member_client: Client,
    path: str,
    query: dict[str, str],
    expected: int,
) -> None:
    """Never a 500: the selectors clamp to the ends of the calendar and convert offsets that
    PostgreSQL can't store; the API may also refuse such input with its usual error shape."""
    pay(coordinator, account_of(make_member(community)), account_of(member), 90)
    base = BASE.format(slug=community.slug)
    url = (
        f"{base}/accounts/{account_of(member).pk}/statement"
        if path == "statement"
        else base + "/balance"
    )
    response = member_client.get(url, query)
    if response.status_code == 400:
        assert set(response.json()["error"]) >= {"code", "message", "fields"}
        return
    assert response.status_code == 200
    body = response.json()
    balance = body["closing"] if path == "statement" else body["balance_as_of"]
    assert balance == expected
