"""Property-based fuzzing of the whole API from its own OpenAPI schema (issue 7).

Schemathesis generates requests for every operation in /api/v1/openapi.json, both ones that
follow the schema and ones that break it, and sends them through the WSGI application as a
coordinator with a personal token, in a community with members, listings, exchanges and
transfers. Whatever is sent, the API must not fail (no 5xx) and every refusal must come in the
documented JSON error shape. The number of examples is bounded so that the test stays short.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from coproduce.api.services import api_token_create
from coproduce.communities.models import Community
from coproduce.exchanges import services as exchange_services
from coproduce.exchanges.tests.factories import make_community, make_exchange, make_listing, record
from coproduce.ledger import services as ledger_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.tests.factories import account_of, make_coordinator, make_member, pay

pytestmark = pytest.mark.django_db

# Examples per operation and generation mode. For a longer local run, raise FUZZ_EXAMPLES, and
# set FUZZ_RANDOM=1 to draw new examples (the suite draws the same ones every run).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


@dataclass
class Scene:
    community: Community
    token: str
    ids: dict[str, list[int]]


@pytest.fixture
def scene() -> Scene:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    community = make_community()
    coordinator = make_coordinator(community, with_login=True)
    TOTP.activate(coordinator.user, generate_totp_secret())
    members = [make_member(community, with_login=True), make_member(community), coordinator]
    listing = make_listing(members[0])
    make_listing(members[1], kind="request", slug="lifts", title="Lift to the shops")
    proposed = make_exchange(members[0], members[1])
    recorded = make_exchange(coordinator, members[0])
    exchange_services.exchange_agree(
        actor=coordinator,
        exchange=recorded,
        agreed_for=timezone.now() + timedelta(days=1),
        text="Saturday",
    )
    record(recorded, coordinator, minutes=60)
    transfer = pay(coordinator, account_of(members[0]), account_of(members[1]), 30)
    hold = ledger_services.transfer_hold(
        actor=coordinator,
        debit=account_of(members[1]),
        credit=account_of(members[0]),
        kind=Transfer.Kind.GIFT,
        minutes=15,
        idempotency_key=None,
    )
    ids = {
        "membership_id": [member.pk for member in members],
        "account_id": [account_of(member).pk for member in members],
        "transfer_id": [transfer.pk, hold.pk],
        "listing_id": [listing.pk],
        "exchange_id": [proposed.pk, recorded.pk],
    }
    return Scene(
        community=community,
        token=api_token_create(user=coordinator.user, name="fuzz").raw,
        ids=ids,
    )


def assert_error_shape(response: Any) -> None:
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (content_type, response.text[:300])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str), error
    assert isinstance(error["fields"], dict), error
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in error["fields"].values()
    ), error


@pytest.fixture
def application() -> Iterator[Any]:
    """The WSGI application, inside the test's transaction: as Django's test client does, the
    end of a request must not close the database connection (and with it the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_generated_request_makes_the_api_fail(scene: Scene, application: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {scene.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25, "the schema should list every endpoint"
    failures: list[str] = []
    answered: dict[str, set[int]] = {operation.label: set() for operation in operations}
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters} - {"community"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Mostly real objects, so that requests reach the code behind the lookups; and
            # anything at all in the address, which must be refused as cleanly.
            real: list[dict[str, Any]] = [{"community": scene.community.slug}]
            for name in names & set(scene.ids):
                real = [{**known, name: pk} for known in real for pk in scene.ids[name]]
            strategies = [operation.as_strategy(mode, path_parameters=known) for known in real]
            if mode is GenerationMode.NEGATIVE or names:
                strategies.append(operation.as_strategy(mode))

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies))
            def check(case: Any) -> None:
                # Each example starts from the same scene, and a request that broke the
                # database transaction (as an error on PostgreSQL does) cannot fail the next.
                savepoint = transaction.savepoint()
                try:
                    response = case.call(headers=headers)
                finally:
                    transaction.savepoint_rollback(savepoint)
                answered[case.operation.label].add(response.status_code)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r} answered "
                    f"{response.status_code}: {response.text[:500]}"
                )
                if response.status_code >= 400:
                    assert_error_shape(response)

            try:
                check()
            except AssertionError as failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
    # The fuzzing reached real data: every read answered 2xx at least once.
    unread = [
        label
        for label, statuses in answered.items()
        if label.startswith("GET ") and not any(200 <= status < 300 for status in statuses)
    ]
    assert not unread, f"never answered 2xx: {unread}"
