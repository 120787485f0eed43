"""Every API error code answers one status, whichever router or layer answers it.

The table is ``coproduce.edge.errors.STATUS_BY_CODE``. These tests find the codes where they are
made (every DomainError subclass of every app, every ApiError and every error answer the code
writes) rather than from a list kept here, and ask the API for the refusals that callers meet.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import coproduce
from coproduce.api.services import api_token_create
from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.edge.errors import STATUS_BY_CODE, DomainError
from coproduce.exchanges.tests.factories import make_community, make_exchange, make_member
from coproduce.ledger.models import Account
from coproduce.ledger.tests.factories import account_of, community_account

SOURCE = Path(coproduce.__file__).parent


def _shipped_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages([str(SOURCE)], prefix="coproduce."):
        parts = module.name.split(".")
        if {"tests", "migrations"} & set(parts) or parts[-1] == "wsgi":
            continue
        names.append(module.name)
    return names


def _domain_errors() -> list[type[DomainError]]:
    for name in _shipped_modules():
        importlib.import_module(name)
    found: list[type[DomainError]] = []
    waiting: list[type[DomainError]] = [DomainError]
    while waiting:
        error = waiting.pop()
        found.append(error)
        waiting.extend(error.__subclasses__())
    return found


def test_every_domain_error_of_every_app_has_one_status():
    errors = _domain_errors()
    classes_by_code: dict[str, set[str]] = defaultdict(set)
    for error in errors:
        assert error.code in STATUS_BY_CODE, f"{error.__qualname__}: no status for {error.code!r}"
        classes_by_code[error.code].add(f"{error.__module__}.{error.__qualname__}")
    # The walk reached the apps' errors, not only the base.
    assert "coproduce.ledger.errors.LimitExceeded" in classes_by_code["limit_exceeded"]
    assert STATUS_BY_CODE["limit_exceeded"] == 422


def _answers_written_in_the_code() -> list[tuple[str, int, int, str]]:
    """(file, line, status, code) for every ApiError(status, code, ...) and every
    error_response(..., status=..., code=...) written with a literal status and code, and every
    {status: code} table."""
    answers = []
    for path in sorted(SOURCE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        where = str(path.relative_to(SOURCE.parent))
        for node in ast.walk(tree):
            pairs: list[tuple[Any, Any]] = []
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else None
                called = node.func.id if isinstance(node.func, ast.Name) else called
                if called == "ApiError" and len(node.args) >= 2:
                    pairs.append((node.args[0], node.args[1]))
                keywords = {keyword.arg: keyword.value for keyword in node.keywords}
                if called == "error_response" and {"status", "code"} <= set(keywords):
                    pairs.append((keywords["status"], keywords["code"]))
            elif isinstance(node, ast.Dict) and node.keys:
                pairs.extend(zip(node.keys, node.values, strict=True))
                if not all(
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, int)
                    and 400 <= key.value < 600
                    for key in node.keys
                ):
                    pairs = []
            for status, code in pairs:
                if (
                    isinstance(status, ast.Constant)
                    and isinstance(status.value, int)
                    and isinstance(code, ast.Constant)
                    and isinstance(code.value, str)
                ):
                    answers.append((where, node.lineno, status.value, code.value))
    return answers


def test_every_error_the_code_answers_has_the_status_of_its_code():
    answers = _answers_written_in_the_code()
    assert any(code == "already_member" for _where, _line, _status, code in answers)
    for where, line, status, code in answers:
        assert code in STATUS_BY_CODE, f"{where}:{line}: {code!r} is not in STATUS_BY_CODE"
        assert STATUS_BY_CODE[code] == status, (
            f"{where}:{line} answers {code!r} with {status}; STATUS_BY_CODE says "
            f"{STATUS_BY_CODE[code]}"
        )


# --- What callers meet --------------------------------------------------------------------------


def _api(member: Membership) -> Client:
    token = api_token_create(user=member.user, name="test").raw
    return Client(headers={"authorization": f"Bearer {token}"})


def _post(client: Client, path: str, body: dict[str, Any], key: uuid.UUID | None = None) -> Any:
    headers = {"Idempotency-Key": str(key)} if key else {}
    return client.post(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def _error(response: Any, code: str) -> dict[str, Any]:
    error = response.json()["error"]
    assert error["code"] == code, error
    assert response.status_code == STATUS_BY_CODE[code], (code, response.status_code)
    return error


@pytest.mark.django_db
def test_a_limit_refusal_is_422_through_the_ledger_api_and_the_exchanges_api():
    town = make_community(slug="town")
    ann, bob = make_member(town), make_member(town)
    floor = account_of(bob).floor
    assert floor is not None
    too_much = -floor + 60

    given = _post(
        _api(bob),
        "/communities/town/transfers",
        {
            "debit_account": account_of(bob).pk,
            "credit_account": account_of(ann).pk,
            "kind": "gift",
            "minutes": too_much,
        },
        uuid.uuid4(),
    )
    assert "the most you can give now" in _error(given, "limit_exceeded")["message"]

    exchange = make_exchange(ann, bob)
    recorded = _post(
        _api(ann),
        f"/communities/town/exchanges/{exchange.pk}/record",
        {"minutes": too_much},
        uuid.uuid4(),
    )
    assert "can't pay that much" in _error(recorded, "limit_exceeded")["message"]
    assert not account_of(bob).debits_pending


@pytest.mark.django_db
def test_the_other_refusals_callers_meet_answer_their_codes_status():
    town = make_community(slug="town")
    member, other = make_member(town), make_member(town)
    client = _api(member)
    transfers = "/communities/town/transfers"
    gift = {
        "debit_account": account_of(member).pk,
        "credit_account": account_of(other).pk,
        "kind": "gift",
        "minutes": 5,
    }
    key = uuid.uuid4()
    assert _post(client, transfers, gift, key).status_code == 201
    _error(_post(client, transfers, {**gift, "minutes": 6}, key), "idempotency_conflict")
    pot = community_account(town, Account.Kind.POT)
    _error(
        _post(client, transfers, {**gift, "credit_account": pot.pk}, uuid.uuid4()),
        "account_not_allowed",
    )
    _error(
        _post(client, transfers, {**gift, "credit_account": account_of(member).pk}, uuid.uuid4()),
        "invalid_transfer",
    )
    _error(_post(client, transfers, {**gift, "minutes": 0}, uuid.uuid4()), "invalid")
    _error(client.get("/api/v1/communities/elsewhere/balance"), "not_found")
    _error(Client().get("/api/v1/communities/town/balance"), "unauthenticated")
    first = gift | {"debit_account": account_of(other).pk, "credit_account": gift["debit_account"]}
    _error(_post(client, transfers, first, uuid.uuid4()), "forbidden")

    joined = CommunityFactory(slug="open", accepts_join_requests=True)
    MembershipFactory(community=joined, user=member.user)
    _error(_post(client, "/communities/open/join-requests", {"message": ""}), "already_member")
