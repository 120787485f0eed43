"""The services package as a whole: where writes happen, and whose transaction each runs in.

Each noun has its own tests: test_accounts.py, test_transfers.py, test_holds.py,
test_credit_rules.py, test_links.py.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.db import transaction

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import TransferLeg
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    pay,
)
from coproduce.transactions import TransactionRequired

Kind = Transfer.Kind
ROOT = Path(__file__).resolve().parents[3]


def _shipped_sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
        for path in (ROOT / "coproduce").rglob("*.py")
        if "/tests/" not in path.as_posix() and "/migrations/" not in path.as_posix()
    ]


# --- Where writes happen ------------------------------------------------------------------------


def test_only_the_ledger_services_create_transfers_or_move_counters() -> None:
    pattern = re.compile(
        r"(?<!class )\bTransfer\(|\bTransfer\.objects\.(create|bulk_create|update)|"
        r"(debits|credits)_(posted|pending)\s*=\s*F\("
    )
    offenders = [
        relative
        for relative, text in _shipped_sources()
        if not relative.startswith("coproduce/ledger/services/") and pattern.search(text)
    ]
    assert offenders == []


def test_only_the_ledger_services_use_their_engine() -> None:
    """The engine trusts its caller to have checked who may do what: only services call it."""
    offenders = [
        relative
        for relative, text in _shipped_sources()
        if not relative.startswith("coproduce/ledger/services/") and "_engine" in text
    ]
    assert offenders == []


# --- Whose transaction --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_ledger_service_joins_a_callers_transaction(town: Community) -> None:
    """Another app's service records its rows and the transfer in one transaction."""
    giver, receiver = make_member(town), make_member(town)
    with pytest.raises(ValueError, match="caller fails"), transaction.atomic():
        services.transfer_hold_within(
            actor=giver,
            debit=account_of(receiver),
            credit=account_of(giver),
            kind=Kind.EXCHANGE,
            minutes=60,
        )
        raise ValueError("the caller fails after the hold")
    assert account_of(receiver).debits_pending == 0


@pytest.mark.django_db
def test_a_refusal_within_a_transaction_undoes_only_that_transfer(
    town: Community, boss: Membership
) -> None:
    """The demo carries on after a refused transfer; what it recorded before stays."""
    payer, payee = account_of(make_member(town)), account_of(make_member(town))
    with transaction.atomic():
        first = services.transfer_create_within(
            actor=boss, debit=payer, credit=payee, kind=Kind.ADJUSTMENT, minutes=500
        )
        with pytest.raises(LimitExceeded):
            services.transfer_create_within(
                actor=boss, debit=payer, credit=payee, kind=Kind.ADJUSTMENT, minutes=101
            )
    assert list(Transfer.objects.filter(community=town)) == [first]
    payer.refresh_from_db()
    assert (payer.balance, payer.debits_posted) == (-500, 500)


@pytest.mark.django_db
@pytest.mark.parametrize("service", ["transfer_create", "transfer_batch_create", "limits"])
def test_a_durable_service_refuses_to_run_inside_another_transaction(
    town: Community, boss: Membership, service: str
) -> None:
    """An accidental outer atomic block fails loudly instead of making the service part of a
    bigger transaction; the caller should use the ``_within`` function."""
    payer, payee = account_of(make_member(town)), account_of(make_member(town))
    with pytest.raises(RuntimeError, match="atomic block"), transaction.atomic():
        if service == "transfer_create":
            pay(boss, payer, payee, 30)
        elif service == "transfer_batch_create":
            services.transfer_batch_create(
                actor=boss,
                legs=[TransferLeg(debit=payer, credit=payee, kind=Kind.ADJUSTMENT, minutes=30)],
            )
        else:
            services.account_limits_set(actor=boss, account=payer, floor=-60, ceiling=None)
    assert not Transfer.objects.filter(community=town).exists()
    assert Account.objects.get(pk=payer.pk).floor == -600


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "within",
    ["transfer_create_within", "transfer_batch_create_within", "member_account_open_within"],
)
def test_a_within_function_refuses_to_run_outside_a_transaction(within: str) -> None:
    town = make_community(default_floor_minutes=-600)
    boss = make_coordinator(town)
    payer, payee = account_of(make_member(town)), account_of(make_member(town))
    with pytest.raises(TransactionRequired, match=f"{within}.* joins its caller's transaction"):
        if within == "transfer_create_within":
            services.transfer_create_within(
                actor=boss, debit=payer, credit=payee, kind=Kind.ADJUSTMENT, minutes=30
            )
        elif within == "transfer_batch_create_within":
            services.transfer_batch_create_within(
                actor=boss,
                legs=[TransferLeg(debit=payer, credit=payee, kind=Kind.ADJUSTMENT, minutes=30)],
                batch_id=uuid.uuid4(),
            )
        else:
            services.member_account_open_within(membership=boss)
    assert not Transfer.objects.filter(community=town).exists()
