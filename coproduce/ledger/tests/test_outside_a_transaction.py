"""The services called outside any transaction, as a web request or the API does.

On PostgreSQL a single transfer is then one autocommitted statement (insert and both counter
updates); elsewhere in the suite the services run inside the test's transaction (savepoints).
These tests commit for real, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.errors import IdempotencyConflict, LimitExceeded
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import transfers
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
)
from coproduce.ledger.tests.factories import pay as pay_with

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def town() -> Community:
    return make_community(default_floor_minutes=-600)


@pytest.fixture
def boss(town: Community) -> Membership:
    return make_coordinator(town)


def counters(account: Account) -> tuple[int, int, int, int]:
    account.refresh_from_db()
    return (
        account.debits_posted,
        account.credits_posted,
        account.debits_pending,
        account.credits_pending,
    )


@pytest.mark.parametrize("payer_first", [True, False])
def test_a_refusal_leaves_no_transfer_and_no_counter_moved(
    town: Community, boss: Membership, payer_first: bool
) -> None:
    first = account_of(make_member(town, profile__display_name="Sam"))
    second = account_of(make_member(town, profile__display_name="Kim"))
    payer, payee = (first, second) if payer_first else (second, first)
    assert connection.get_autocommit() and not connection.in_atomic_block
    pay_with(boss, payer, payee, 590)
    with pytest.raises(LimitExceeded, match=r"the most \w+ can give now is 0:10"):
        pay_with(boss, payer, payee, 11)
    assert Transfer.objects.filter(community=town).count() == 1
    assert counters(payer) == (590, 0, 0, 0)
    assert counters(payee) == (0, 590, 0, 0)


@pytest.mark.parametrize("payer_first", [True, False])
def test_a_ceiling_refusal_names_the_receiver(
    town: Community, boss: Membership, payer_first: bool
) -> None:
    if payer_first:  # the payer's account has the lower primary key, and is updated first
        payer = account_of(make_member(town))
        rich = account_of(make_member(town, profile__display_name="Rich"))
    else:
        rich = account_of(make_member(town, profile__display_name="Rich"))
        payer = account_of(make_member(town))
    services.account_limits_set(actor=boss, account=rich, floor=-600, ceiling=60)
    with pytest.raises(LimitExceeded, match="Rich's balance would go above 1:00") as refused:
        pay_with(boss, payer, rich, 61)
    assert refused.value.is_floor is False
    assert counters(payer) == (0, 0, 0, 0)
    assert not Transfer.objects.filter(community=town).exists()


def test_a_retry_returns_the_first_transfer_and_other_content_conflicts(
    town: Community, boss: Membership
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    key = uuid.uuid4()
    first = pay_with(boss, a, b, 600, idempotency_key=key, memo="Gardening")
    assert pay_with(boss, a, b, 600, idempotency_key=key, memo="Gardening").pk == first.pk
    with pytest.raises(IdempotencyConflict):
        pay_with(boss, a, b, 599, idempotency_key=key, memo="Gardening")
    assert counters(a) == (600, 0, 0, 0)


def test_the_row_stored_is_the_transfer_returned(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    member = make_member(town)
    given_at = timezone.now() - timedelta(days=1)
    key = uuid.uuid4()
    transfer = services.transfer_create(
        actor=boss,
        debit=a,
        credit=b,
        kind=Transfer.Kind.EXCHANGE,
        minutes_given=90,
        category=" Gardening ",
        given_at=given_at,
        memo="Digging",
        idempotency_key=key,
        for_member=member,
        cause_type="exchanges.exchange",
        cause_id=7,
    )
    stored = Transfer.objects.get(pk=transfer.pk)
    fields = [f.attname for f in Transfer._meta.concrete_fields]
    assert {f: getattr(stored, f) for f in fields} == {f: getattr(transfer, f) for f in fields}
    assert (stored.category, stored.given_at, stored.idempotency_key) == (
        "gardening",
        given_at,
        key,
    )
    assert stored.credit_rule is not None and stored.operator == boss
    assert not transfer._state.adding


def test_holds_post_and_void_outside_a_transaction(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    hold = services.transfer_hold(actor=boss, debit=a, credit=b, kind="exchange", minutes=30)
    posted = services.transfer_post(actor=boss, transfer=hold)
    assert services.transfer_post(actor=boss, transfer=hold).pk == posted.pk
    other = services.transfer_hold(actor=boss, debit=a, credit=b, kind="exchange", minutes=20)
    services.transfer_void(actor=boss, transfer=other)
    assert counters(a) == (30, 0, 0, 0)
    assert counters(b) == (0, 30, 0, 0)


def test_the_statements_are_logged_for_query_counting(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    with CaptureQueriesContext(connection) as captured:
        pay_with(boss, a, b, 5)
    assert any("INSERT INTO" in q["sql"] for q in captured.captured_queries)


def test_transfers_have_no_save_hooks_the_direct_insert_would_skip() -> None:
    """The engine inserts with its own SQL, not Model.save(): it must not skip anything. If
    Transfer gains a save() or signal receivers, revisit services/_engine.py (insert_and_move)."""
    assert Transfer.save is Transfer.__mro__[1].save
    for signal in (signals.pre_save, signals.post_save):
        assert not signal.has_listeners(Transfer)


@pytest.mark.parametrize(
    ("field", "value"),
    [("memo", "x" * 501), ("cause_type", "y" * 61), ("category", "z" * 61)],
)
def test_fields_are_validated_before_anything_is_written(
    town: Community, boss: Membership, field: str, value: str
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    with pytest.raises(ValidationError) as invalid:
        pay_with(boss, a, b, 5, **{field: value})
    assert field in invalid.value.message_dict
    assert not Transfer.objects.filter(community=town).exists()
    assert counters(a) == (0, 0, 0, 0)


def test_a_built_transfer_is_what_the_model_constructor_makes(
    town: Community, boss: Membership, django_assert_num_queries: Any
) -> None:
    a, b, member = account_of(make_member(town)), account_of(make_member(town)), make_member(town)
    key = uuid.uuid4()
    values: dict[str, Any] = {
        "kind": "gift",
        "minutes": 30,
        "memo": "Thanks",
        "idempotency_key": key,
        "cause_type": "x",
        "cause_id": 3,
    }
    built = transfers._new(
        actor=boss,
        debit=a,
        credit=b,
        phase="posted",
        minutes_given=None,
        category="",
        given_at=None,
        for_member=member,
        **values,
    )
    expected = Transfer(
        community_id=town.pk, debit=a, credit=b, operator=boss, for_member=member, **values
    )
    fields = [f.attname for f in Transfer._meta.concrete_fields if f.name != "created_at"]
    assert {f: getattr(built, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    assert built._state.adding and built.pk is None and built.created_at is not None
    with django_assert_num_queries(0):
        assert (built.debit, built.credit, built.operator, built.for_member) == (a, b, boss, member)
        assert built.pending is None and built.credit_rule is None
