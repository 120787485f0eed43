"""Transfers, reversals and batches (ledger/services/transfers.py): limits and plain refusals,
idempotency, who may move what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import OrganisationFactory
from coproduce.ledger import selectors, services
from coproduce.ledger.errors import (
    AlreadyReversed,
    IdempotencyConflict,
    InvalidTransfer,
    LimitExceeded,
    NotReversible,
)
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import TransferLeg
from coproduce.ledger.tests.factories import (
    account_of,
    community_account,
    linked,
    make_community,
    make_coordinator,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db

Kind = Transfer.Kind


# --- Limits and clear refusals --------------------------------------------------------------------


def test_a_transfer_past_the_floor_is_refused_with_a_clear_message(
    town: Community, boss: Membership
) -> None:
    sam = make_member(town, profile__display_name="Sam")
    other = make_member(town)
    pay(boss, account_of(sam), account_of(other), 390)
    with pytest.raises(LimitExceeded) as refused:
        pay(boss, account_of(sam), account_of(other), 300)
    assert refused.value.message == (
        "Sam's balance would go below \u221210:00; the most Sam can give now is 3:30."
    )
    assert refused.value.code == "limit_exceeded"
    assert account_of(sam).balance == -390


def test_a_transfer_past_the_ceiling_is_refused(town: Community, boss: Membership) -> None:
    rich = make_member(town, profile__display_name="Rich")
    services.account_limits_set(actor=boss, account=account_of(rich), floor=-600, ceiling=60)
    with pytest.raises(LimitExceeded, match="would go above 1:00; the most Rich can receive now"):
        pay(boss, account_of(make_member(town)), account_of(rich), 61)


def test_exactly_reaching_the_floor_is_allowed(town: Community, boss: Membership) -> None:
    payer = make_member(town)
    pay(boss, account_of(payer), account_of(make_member(town)), 600)
    assert account_of(payer).balance == -600


def test_invalid_transfers_are_refused(town: Community, boss: Membership) -> None:
    account = account_of(make_member(town))
    with pytest.raises(InvalidTransfer):
        pay(boss, account, account, 10)
    with pytest.raises(InvalidTransfer):
        pay(boss, account, account_of(make_member(town)), 0)
    elsewhere = make_community()
    with pytest.raises(InvalidTransfer):
        pay(boss, account, account_of(make_member(elsewhere)), 10)


def test_members_may_give_from_their_own_account_only(town: Community, boss: Membership) -> None:
    alice, bob = make_member(town), make_member(town)
    services.transfer_create(
        actor=alice,
        debit=account_of(alice),
        credit=account_of(bob),
        kind=Kind.GIFT,
        minutes=30,
    )
    with pytest.raises(PermissionDenied):
        services.transfer_create(
            actor=alice, debit=account_of(bob), credit=account_of(alice), kind=Kind.GIFT, minutes=30
        )
    with pytest.raises(PermissionDenied):
        services.transfer_create(
            actor=alice,
            debit=community_account(town, Account.Kind.ISSUANCE),
            credit=account_of(alice),
            kind=Kind.AWARD,
            minutes=30,
        )


def test_one_transfer_moves_at_most_the_configured_amount(
    town: Community, boss: Membership, settings: Any
) -> None:
    settings.LEDGER_MAX_TRANSFER_MINUTES = 120
    payer, payee = account_of(make_member(town)), account_of(make_member(town))
    pay(boss, payer, payee, 120)
    with pytest.raises(InvalidTransfer, match="One transfer can move at most 2:00"):
        pay(boss, payer, payee, 121)
    with pytest.raises(InvalidTransfer, match="at most 2:00"):
        services.transfer_create(
            actor=boss, debit=payer, credit=payee, kind=Kind.EXCHANGE, minutes_given=121
        )
    services.credit_rule_create(actor=boss, category_per_mille={"personal care": 2000})
    with pytest.raises(InvalidTransfer, match="Under the credit rule"):
        services.transfer_create(
            actor=boss,
            debit=payer,
            credit=payee,
            kind=Kind.EXCHANGE,
            minutes_given=61,
            category="personal care",
        )
    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    with pytest.raises(InvalidTransfer, match="at most 2:00"):
        services.inter_community_transfer_create(
            actor=giver, link=CommunityLink.objects.get(), recipient=parent, minutes=121
        )
    assert Transfer.objects.filter(minutes__gt=120).count() == 0


@pytest.mark.parametrize("year", [1, 1999, 9999])
def test_a_time_given_outside_the_years_we_keep_is_refused(
    town: Community, boss: Membership, year: int
) -> None:
    with pytest.raises(InvalidTransfer, match="when the time was given"):
        services.transfer_create(
            actor=boss,
            debit=account_of(make_member(town)),
            credit=account_of(make_member(town)),
            kind=Kind.EXCHANGE,
            minutes_given=60,
            given_at=datetime(year, 12, 31, 23, 0, tzinfo=UTC),
        )


def test_a_refusal_tells_a_members_figures_only_to_them_and_coordinators(
    town: Community, boss: Membership
) -> None:
    """The member who gave time records it, which holds the credits of the member they helped;
    if those are short, the giver learns that, not the other member's balance."""
    agnes = make_member(town, profile__display_name="Agnes")
    helper = make_member(town, profile__display_name="Hal")
    pay(boss, account_of(agnes), account_of(make_member(town)), 550)
    with pytest.raises(LimitExceeded) as refused:
        services.transfer_hold(
            actor=helper,
            debit=account_of(agnes),
            credit=account_of(helper),
            kind=Kind.EXCHANGE,
            minutes=60,
        )
    message = refused.value.message
    assert "Agnes can't pay that much time credit now" in message
    assert "0:50" not in message and "10:00" not in message
    with pytest.raises(LimitExceeded) as own:
        pay(agnes, account_of(agnes), account_of(helper), 60, kind=Kind.GIFT)
    assert own.value.message == (
        "Your balance would go below \u221210:00; the most you can give now is 0:50."
    )
    with pytest.raises(LimitExceeded) as told_to_boss:
        pay(boss, account_of(agnes), account_of(helper), 60)
    assert "the most Agnes can give now is 0:50" in told_to_boss.value.message


def test_refusals_never_name_the_communitys_own_accounts() -> None:
    plain = make_community(uses_issued_credits=False)
    boss = make_coordinator(plain)
    with pytest.raises(LimitExceeded) as refused:
        services.transfer_create(
            actor=boss,
            debit=community_account(plain, Account.Kind.ISSUANCE),
            credit=account_of(make_member(plain)),
            kind=Kind.AWARD,
            minutes=60,
        )
    assert refused.value.message == "This community does not award credits."

    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    there = parent.community
    there.name = "Acceptance Delta"
    there.save()
    services.inter_community_transfer_create(actor=giver, link=link, recipient=parent, minutes=600)
    with pytest.raises(LimitExceeded) as full:
        services.inter_community_transfer_create(
            actor=giver, link=link, recipient=parent, minutes=1
        )
    assert full.value.message.startswith(
        "You can send at most 0:00 more to Acceptance Delta for now"
    )
    with pytest.raises(LimitExceeded) as back:
        services.inter_community_transfer_create(
            actor=parent, link=link, recipient=giver, minutes=301 + 600
        )
    assert "more to " + giver.community.name in back.value.message
    for message in (refused.value.message, full.value.message, back.value.message):
        assert "issuance" not in message.lower() and "clearing" not in message.lower()


# --- Idempotency ----------------------------------------------------------------------------------


def test_the_same_key_and_content_returns_the_first_transfer(
    town: Community, boss: Membership
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    key = uuid.uuid4()
    first = pay(boss, a, b, 45, idempotency_key=key, memo="Gardening")
    again = pay(boss, a, b, 45, idempotency_key=key, memo="Gardening")
    assert again.pk == first.pk
    assert Transfer.objects.filter(community=town).count() == 1
    a.refresh_from_db()
    assert a.balance == -45


def test_the_same_key_with_other_content_is_a_conflict(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    key = uuid.uuid4()
    pay(boss, a, b, 45, idempotency_key=key)
    with pytest.raises(IdempotencyConflict) as conflict:
        pay(boss, a, b, 46, idempotency_key=key)
    assert conflict.value.status == 409
    assert Transfer.objects.filter(community=town).count() == 1


def test_a_retry_is_answered_even_when_the_payer_could_not_pay_again(
    town: Community, boss: Membership
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    key = uuid.uuid4()
    first = pay(boss, a, b, 600, idempotency_key=key)
    assert pay(boss, a, b, 600, idempotency_key=key).pk == first.pk


def test_keys_are_unique_per_community_not_globally(boss: Membership) -> None:
    key = uuid.uuid4()
    other = make_community()
    other_boss = make_coordinator(other)
    pay(
        boss,
        account_of(make_member(boss.community)),
        account_of(make_member(boss.community)),
        5,
        idempotency_key=key,
    )
    pay(
        other_boss,
        account_of(make_member(other)),
        account_of(make_member(other)),
        5,
        idempotency_key=key,
    )
    assert Transfer.objects.filter(idempotency_key=key).count() == 2


# --- Reversal -------------------------------------------------------------------------------------


def test_a_transfer_is_reversed_once_by_a_new_transfer(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    original = pay(boss, a, b, 75)
    reversal = services.transfer_reverse(actor=boss, transfer=original, memo="Typed twice")
    assert (reversal.debit_id, reversal.credit_id, reversal.minutes) == (b.pk, a.pk, 75)
    assert reversal.reverses_id == original.pk and reversal.kind == Kind.REVERSAL
    with pytest.raises(AlreadyReversed):
        services.transfer_reverse(actor=boss, transfer=original)
    with pytest.raises(NotReversible):
        services.transfer_reverse(actor=boss, transfer=reversal)
    a.refresh_from_db()
    assert a.balance == 0


def test_a_hold_is_not_reversed_but_voided(town: Community, boss: Membership) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    hold = services.transfer_hold(actor=boss, debit=a, credit=b, kind=Kind.EXCHANGE, minutes=5)
    with pytest.raises(NotReversible):
        services.transfer_reverse(actor=boss, transfer=hold)


def test_members_cannot_reverse(town: Community, boss: Membership) -> None:
    member = make_member(town)
    original = pay(boss, account_of(member), account_of(make_member(town)), 5)
    with pytest.raises(PermissionDenied):
        services.transfer_reverse(actor=member, transfer=original)


# --- Batches --------------------------------------------------------------------------------------


def test_a_batch_records_every_leg_or_none(town: Community, boss: Membership) -> None:
    a, b, c = (account_of(make_member(town)) for _ in range(3))
    legs = [
        TransferLeg(debit=a, credit=b, kind=Kind.ADJUSTMENT, minutes=100),
        TransferLeg(debit=b, credit=c, kind=Kind.ADJUSTMENT, minutes=701),
    ]
    with pytest.raises(LimitExceeded):
        services.transfer_batch_create(actor=boss, legs=legs)
    assert not Transfer.objects.filter(community=town).exists()
    ok = services.transfer_batch_create(
        actor=boss,
        legs=[
            TransferLeg(debit=a, credit=b, kind=Kind.ADJUSTMENT, minutes=100),
            TransferLeg(debit=b, credit=c, kind=Kind.ADJUSTMENT, minutes=650),
        ],
    )
    assert len({t.batch_id for t in ok}) == 1
    c.refresh_from_db()
    assert c.balance == 650


def test_a_batch_retried_with_the_same_keys_is_recorded_once(
    town: Community, boss: Membership
) -> None:
    a, b = account_of(make_member(town)), account_of(make_member(town))
    keys = [uuid.uuid4(), uuid.uuid4()]
    legs = [
        TransferLeg(debit=a, credit=b, kind=Kind.GIFT, minutes=10, idempotency_key=keys[0]),
        TransferLeg(debit=b, credit=a, kind=Kind.GIFT, minutes=5, idempotency_key=keys[1]),
    ]
    first = services.transfer_batch_create(actor=boss, legs=legs)
    again = services.transfer_batch_create(actor=boss, legs=legs)
    assert [t.pk for t in first] == [t.pk for t in again]


def test_a_batch_cannot_move_a_clearing_account(town: Community, boss: Membership) -> None:
    from coproduce.ledger.errors import AccountNotAllowed

    here_boss, _there_boss, giver, _parent = linked()
    clearing = Account.objects.get(community=giver.community, kind=Account.Kind.CLEARING)
    with pytest.raises(AccountNotAllowed):
        services.transfer_batch_create(
            actor=here_boss,
            legs=[
                TransferLeg(
                    debit=clearing,
                    credit=account_of(giver),
                    kind=Kind.INTER_COMMUNITY,
                    minutes=60,
                )
            ],
        )
    assert not Transfer.objects.filter(community=giver.community).exists()


# --- Partners and the pot -------------------------------------------------------------------------


def test_credits_spent_with_a_partner_land_in_its_account(
    town: Community, boss: Membership
) -> None:
    organisation = OrganisationFactory(community=town)
    member = make_member(town)
    pay(
        boss,
        community_account(town, Account.Kind.ISSUANCE),
        account_of(member),
        60,
        kind=Kind.AWARD,
    )
    partner = selectors.party_account(actor=member, party=f"organisation:{organisation.pk}")
    services.transfer_create(
        actor=member, debit=account_of(member), credit=partner, kind=Kind.REDEMPTION, minutes=60
    )
    assert Account.objects.get(organisation=organisation).balance == 60
    assert sum(a.balance for a in Account.objects.filter(community=town)) == 0


def test_naming_a_partner_writes_nothing_until_a_transfer_to_it_is_allowed(
    town: Community,
) -> None:
    """party_account is a read: a partner nobody has paid yet is named by its account-to-be,
    which the transfer services open only after their permission check."""
    organisation = OrganisationFactory(community=town)
    member = make_member(town)
    partner = selectors.party_account(actor=member, party=f"organisation:{organisation.pk}")
    assert partner.pk is None and not Account.objects.filter(organisation=organisation).exists()
    with pytest.raises(PermissionDenied):
        services.transfer_create(
            actor=member, debit=partner, credit=account_of(member), kind=Kind.GIFT, minutes=5
        )
    assert not Account.objects.filter(organisation=organisation).exists()
