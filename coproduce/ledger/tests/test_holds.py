"""Holds (two-phase transfers) and their answers, also as the exchanges app uses them
(ledger/services/transfers.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.errors import (
    AlreadyResolved,
    LimitExceeded,
    NotPending,
)
from coproduce.ledger.models import Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db

Kind = Transfer.Kind


# --- Holds ----------------------------------------------------------------------------------------


def test_a_hold_counts_against_the_floor_until_it_is_voided(
    town: Community, boss: Membership
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    hold = services.transfer_hold(actor=boss, debit=a, credit=b, kind=Kind.EXCHANGE, minutes=500)
    a.refresh_from_db()
    assert (a.balance, a.debits_pending, a.available) == (0, 500, -500)
    with pytest.raises(LimitExceeded):
        pay(boss, a, b, 101)
    void = services.transfer_void(actor=boss, transfer=hold)
    assert void.phase == Transfer.Phase.VOID and void.pending_id == hold.pk
    pay(boss, a, b, 101)
    with pytest.raises(AlreadyResolved, match="already been cancelled"):
        services.transfer_post(actor=boss, transfer=hold)


def test_posting_a_hold_moves_the_credits_once(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    hold = services.transfer_hold(actor=boss, debit=a, credit=b, kind=Kind.EXCHANGE, minutes=90)
    first = services.transfer_post(actor=boss, transfer=hold)
    second = services.transfer_post(actor=boss, transfer=hold)
    assert first.pk == second.pk
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.balance, a.debits_pending, b.balance, b.credits_pending) == (-90, 0, 90, 0)
    with pytest.raises(AlreadyResolved, match="already been confirmed"):
        services.transfer_void(actor=boss, transfer=hold)


def test_the_receiver_may_confirm_a_hold_but_not_the_payer(
    town: Community, boss: Membership
) -> None:
    payer, receiver = make_member(town), make_member(town)
    hold = services.transfer_hold(
        actor=boss,
        debit=account_of(payer),
        credit=account_of(receiver),
        kind=Kind.EXCHANGE,
        minutes=30,
    )
    with pytest.raises(PermissionDenied):
        services.transfer_post(actor=payer, transfer=hold)
    assert services.transfer_post(actor=receiver, transfer=hold).phase == Transfer.Phase.POST


# --- Exchanges recorded by either side (coproduce/exchanges) --------------------------------------


def test_a_giver_may_hold_an_exchange_against_the_member_helped_who_then_confirms(
    town: Community,
) -> None:
    giver, receiver = make_member(town), make_member(town)
    hold = services.transfer_hold(
        actor=giver,
        debit=account_of(receiver),
        credit=account_of(giver),
        kind=Kind.EXCHANGE,
        minutes=60,
    )
    with pytest.raises(PermissionDenied):
        services.transfer_post(actor=giver, transfer=hold)
    assert services.transfer_post(actor=receiver, transfer=hold).phase == Transfer.Phase.POST


def test_a_member_may_not_hold_anything_but_an_exchange_against_another(town: Community) -> None:
    giver, receiver = make_member(town), make_member(town)
    with pytest.raises(PermissionDenied):
        services.transfer_hold(
            actor=giver,
            debit=account_of(receiver),
            credit=account_of(giver),
            kind=Kind.GIFT,
            minutes=60,
        )
    with pytest.raises(PermissionDenied):
        services.transfer_hold(
            actor=giver,
            debit=account_of(receiver),
            credit=account_of(make_member(town)),
            kind=Kind.EXCHANGE,
            minutes=60,
        )


def test_either_side_may_cancel_an_exchange_hold(town: Community) -> None:
    giver, receiver = make_member(town), make_member(town)
    hold = services.transfer_hold(
        actor=giver,
        debit=account_of(receiver),
        credit=account_of(giver),
        kind=Kind.EXCHANGE,
        minutes=60,
    )
    assert services.transfer_void(actor=receiver, transfer=hold).phase == Transfer.Phase.VOID


def test_an_exchange_hold_is_posted_automatically_without_an_operator(town: Community) -> None:
    giver, receiver = make_member(town), make_member(town)
    hold = services.transfer_hold(
        actor=giver,
        debit=account_of(receiver),
        credit=account_of(giver),
        kind=Kind.EXCHANGE,
        minutes=60,
    )
    posting = services.transfer_post_automatically(transfer=hold, memo="Auto")
    assert (posting.phase, posting.operator_id) == (Transfer.Phase.POST, None)
    assert account_of(giver).balance == 60
    with pytest.raises(NotPending):
        services.transfer_post_automatically(transfer=posting)
