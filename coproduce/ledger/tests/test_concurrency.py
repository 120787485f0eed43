"""Real threads against PostgreSQL: limits hold, nothing deadlocks, a key pays once.

Skipped on SQLite by the conftest (SQLite serialises writers; the same rules are tested there
without threads).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client

from coproduce.communities.models import Membership
from coproduce.ledger import services
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.reconcile import ledger_reconcile
from coproduce.ledger.services import TransferLeg
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    signed_in,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """Start ``count`` threads that begin at the same moment; return each result or error."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def members(count: int, **community_settings: object) -> tuple[Membership, list[Account]]:
    community = make_community(**community_settings)
    coordinator = make_coordinator(community)
    return coordinator, [account_of(make_member(community)) for _ in range(count)]


def test_fifty_concurrent_transfers_from_an_account_that_can_afford_twenty() -> None:
    coordinator, (payer, payee) = members(2, default_floor_minutes=-200)

    def pay(index: int) -> Transfer:
        return services.transfer_create(
            actor=coordinator,
            debit=payer,
            credit=payee,
            kind=Transfer.Kind.GIFT,
            minutes=10,
            idempotency_key=uuid.uuid4(),
        )

    results = run_together(50, pay)
    outcomes = Counter(type(result).__name__ for result in results)
    assert outcomes == {"Transfer": 20, "LimitExceeded": 30}
    payer.refresh_from_db()
    assert payer.balance == -200
    assert all("the most" in str(result) for result in results if isinstance(result, LimitExceeded))
    assert ledger_reconcile().is_clean


def test_opposite_transfers_and_batches_never_deadlock() -> None:
    coordinator, accounts = members(3, default_floor_minutes=None)
    a, b, c = accounts

    def work(index: int) -> object:
        if index % 3 == 2:
            return services.transfer_batch_create(
                actor=coordinator,
                legs=[
                    TransferLeg(debit=c, credit=a, kind=Transfer.Kind.ADJUSTMENT, minutes=5),
                    TransferLeg(debit=b, credit=c, kind=Transfer.Kind.ADJUSTMENT, minutes=5),
                ],
            )
        debit, credit = (a, b) if index % 2 else (b, a)
        return services.transfer_create(
            actor=coordinator, debit=debit, credit=credit, kind=Transfer.Kind.ADJUSTMENT, minutes=7
        )

    results = run_together(40, work)
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    batches = sum(1 for index in range(40) if index % 3 == 2)
    assert Transfer.objects.count() == (40 - batches) + 2 * batches
    assert sum(a.balance for a in Account.objects.all()) == 0
    assert ledger_reconcile().is_clean


def test_concurrent_retries_of_one_key_create_one_transfer() -> None:
    coordinator, (payer, payee) = members(2)
    key = uuid.uuid4()

    def pay(index: int) -> Transfer:
        return services.transfer_create(
            actor=coordinator,
            debit=payer,
            credit=payee,
            kind=Transfer.Kind.GIFT,
            minutes=30,
            idempotency_key=key,
        )

    results = run_together(12, pay)
    assert all(isinstance(result, Transfer) for result in results), results
    assert len({result.pk for result in results if isinstance(result, Transfer)}) == 1
    assert Transfer.objects.filter(idempotency_key=key).count() == 1
    payee.refresh_from_db()
    assert payee.balance == 30


def test_concurrent_post_and_void_of_one_hold_resolve_it_once() -> None:
    coordinator, (payer, payee) = members(2)
    hold = services.transfer_hold(
        actor=coordinator, debit=payer, credit=payee, kind=Transfer.Kind.EXCHANGE, minutes=60
    )

    def resolve(index: int) -> Transfer:
        action = services.transfer_post if index % 2 else services.transfer_void
        return action(actor=coordinator, transfer=hold)

    results = run_together(10, resolve)
    assert Transfer.objects.filter(pending=hold).count() == 1
    resolution = Transfer.objects.get(pending=hold)
    winners = [r for r in results if isinstance(r, Transfer)]
    assert all(r.pk == resolution.pk for r in winners)
    assert ledger_reconcile().is_clean


def test_eight_concurrent_reverses_with_one_key_all_get_the_one_reversal() -> None:
    """A client that times out and retries its reverse with the same Idempotency-Key must get
    the same answer every time, however the retries overlap. The overlap that went wrong is
    narrow, so the race is run on several transfers."""
    community = make_community()
    boss = make_coordinator(community, with_login=True)
    payer, payee = account_of(make_member(community)), account_of(make_member(community))
    signed = signed_in(boss, second_factor=True)
    for _round in range(4):
        original = services.transfer_create(
            actor=boss, debit=payer, credit=payee, kind=Transfer.Kind.GIFT, minutes=45
        )
        key = str(uuid.uuid4())
        path = f"/api/v1/communities/{community.slug}/transfers/{original.pk}/reverse"

        def reverse(index: int, path: str = path, key: str = key) -> tuple[int, Any]:
            client = Client()
            client.cookies = signed.cookies
            response = client.post(
                path,
                {"memo": "Recorded twice"},
                content_type="application/json",
                headers={"Idempotency-Key": key},
            )
            return response.status_code, response.json()

        results = run_together(8, reverse)
        assert not [result for result in results if isinstance(result, Exception)], results
        reversal = Transfer.objects.get(reverses=original)
        answers = {(status, body["id"]) for status, body in cast(list[tuple[int, Any]], results)}
        assert answers == {(201, reversal.pk)}, results
    assert Transfer.objects.filter(kind=Transfer.Kind.REVERSAL).count() == 4
    assert ledger_reconcile().is_clean
