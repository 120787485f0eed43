"""The ledger's services: accounts, limits, idempotency, holds, reversals, batches, rules, links."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import OrganisationFactory
from coproduce.ledger import services
from coproduce.ledger.errors import (
    AlreadyResolved,
    AlreadyReversed,
    IdempotencyConflict,
    InvalidTransfer,
    LimitExceeded,
    LinkUnavailable,
    NotPending,
    NotReversible,
)
from coproduce.ledger.models import Account, AccountLimitChange, CreditRule, Transfer
from coproduce.ledger.reconcile import ledger_reconcile
from coproduce.ledger.rules import RuleTerms, credits_for, minutes_inside_window
from coproduce.ledger.services import TransferLeg
from coproduce.ledger.tests.factories import (
    account_of,
    community_account,
    make_community,
    make_coordinator,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db


def wall(*parts: int) -> datetime:
    """A local wall-clock time, as the credit rule sees it."""
    return datetime(*parts)  # noqa: DTZ001


Kind = Transfer.Kind


@pytest.fixture
def town() -> Community:
    return make_community(default_floor_minutes=-600, uses_issued_credits=True)


@pytest.fixture
def boss(town: Community) -> Membership:
    return make_coordinator(town)


# --- Opening accounts ---------------------------------------------------------------------------


def test_an_active_member_gets_one_account_with_the_community_defaults() -> None:
    community = make_community(default_floor_minutes=-300, default_ceiling_minutes=1200)
    member = make_member(community)
    again = services.member_account_open(membership=member)
    account = account_of(member)
    assert again.pk == account.pk
    assert Account.objects.filter(membership=member).count() == 1
    assert (account.floor, account.ceiling, account.balance) == (-300, 1200, 0)


def test_without_mutual_credit_members_cannot_go_below_zero() -> None:
    community = make_community(uses_mutual_credit=False, default_floor_minutes=-600)
    assert account_of(make_member(community)).floor == 0


def test_an_empty_default_floor_means_no_limit_for_mutual_credit() -> None:
    community = make_community(uses_mutual_credit=True, default_floor_minutes=None)
    assert account_of(make_member(community)).floor is None


def test_the_community_has_an_issuance_account_and_a_pot() -> None:
    issued = make_community(uses_issued_credits=True)
    plain = make_community(uses_issued_credits=False)
    assert community_account(issued, Account.Kind.ISSUANCE).floor is None
    assert community_account(plain, Account.Kind.ISSUANCE).floor == 0
    assert community_account(issued, Account.Kind.POT).floor == 0


# --- Limits and clear refusals ------------------------------------------------------------------


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


def test_changing_limits_is_logged_and_cannot_strand_a_balance(
    town: Community, boss: Membership
) -> None:
    member = make_member(town)
    pay(boss, account_of(member), account_of(make_member(town)), 120)
    services.account_limits_set(
        actor=boss, account=account_of(member), floor=-180, ceiling=None, reason="New member"
    )
    change = AccountLimitChange.objects.get(account=account_of(member))
    assert (change.old_floor, change.new_floor, change.changed_by, change.reason) == (
        -600,
        -180,
        boss,
        "New member",
    )
    with pytest.raises(ValidationError):
        services.account_limits_set(actor=boss, account=account_of(member), floor=-60, ceiling=None)
    with pytest.raises(PermissionDenied):
        services.account_limits_set(
            actor=member, account=account_of(member), floor=None, ceiling=None
        )


# --- Idempotency --------------------------------------------------------------------------------


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


# --- Holds --------------------------------------------------------------------------------------


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


# --- Reversal -----------------------------------------------------------------------------------


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


# --- Batches ------------------------------------------------------------------------------------


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


# --- Credit rules -------------------------------------------------------------------------------


def test_by_default_an_hour_given_earns_an_hour_whatever_the_help(
    town: Community, boss: Membership
) -> None:
    transfer = services.transfer_create(
        actor=boss,
        debit=account_of(make_member(town)),
        credit=account_of(make_member(town)),
        kind=Kind.EXCHANGE,
        minutes_given=90,
        category="Personal care",
        given_at=timezone.now(),
    )
    assert (transfer.minutes, transfer.minutes_given) == (90, 90)
    assert transfer.credit_rule is not None and transfer.credit_rule.version == 1


def test_a_new_rule_version_applies_from_its_start(town: Community, boss: Membership) -> None:
    rule = services.credit_rule_create(
        actor=boss,
        out_of_hours_per_mille=1500,
        category_per_mille={"Personal care": 2000},
        stacking=CreditRule.Stacking.MULTIPLY,
    )
    assert rule.version == 2
    evening = datetime.combine(
        timezone.localdate() + timedelta(days=1),
        time(18, 0),
        tzinfo=timezone.get_current_timezone(),
    )
    transfer = services.transfer_create(
        actor=boss,
        debit=account_of(make_member(town)),
        credit=account_of(make_member(town)),
        kind=Kind.EXCHANGE,
        minutes_given=60,
        category="personal care",
        given_at=evening,
    )
    assert transfer.minutes == 180  # 60 × 2 × 1.5
    assert transfer.credit_rule == rule
    earlier = timezone.now() - timedelta(days=1)
    before = services.transfer_create(
        actor=boss,
        debit=account_of(make_member(town)),
        credit=account_of(make_member(town)),
        kind=Kind.EXCHANGE,
        minutes_given=60,
        category="personal care",
        given_at=earlier,
    )
    assert before.credit_rule is not None and before.credit_rule.version == 1


def test_rules_cannot_start_in_the_past_or_be_made_by_members(
    town: Community, boss: Membership
) -> None:
    with pytest.raises(ValidationError):
        services.credit_rule_create(actor=boss, starts_at=timezone.now() - timedelta(days=2))
    with pytest.raises(PermissionDenied):
        services.credit_rule_create(actor=make_member(town))


def test_stacking_is_explicit() -> None:
    evening = wall(2025, 3, 3, 18, 0)
    base = {"out_of_hours_per_mille": 1500, "category_per_mille": {"personal care": 2000}}
    results = {
        stacking: credits_for(
            RuleTerms(stacking=stacking, **base),
            minutes_given=60,
            category="personal care",
            local_start=evening,
        )
        for stacking in ("multiply", "add", "highest")
    }
    assert results == {"multiply": 180, "add": 150, "highest": 120}


def test_time_straddling_the_window_is_split_by_the_minute() -> None:
    terms = RuleTerms(out_of_hours_per_mille=1500)
    # 16:00–18:00: one hour inside (×1), one outside (×1.5).
    assert credits_for(terms, minutes_given=120, local_start=wall(2025, 1, 6, 16, 0)) == 150
    assert minutes_inside_window(wall(2025, 1, 6, 8, 30), 60 * 24, time(9), time(17)) == 480


def test_credits_round_half_up_to_the_minute() -> None:
    terms = RuleTerms(category_per_mille={"x": 1500})
    assert credits_for(terms, minutes_given=1, category="x") == 2  # 1.5 → 2
    assert (
        credits_for(RuleTerms(category_per_mille={"x": 1250}), minutes_given=1, category="x") == 1
    )


@given(
    minutes=st.integers(min_value=1, max_value=24 * 60),
    hour=st.integers(min_value=0, max_value=23),
    by_hour=st.integers(min_value=1000, max_value=3000),
)
def test_extra_multipliers_never_earn_less_than_one_to_one(
    minutes: int, hour: int, by_hour: int
) -> None:
    terms = RuleTerms(out_of_hours_per_mille=by_hour)
    earned = credits_for(terms, minutes_given=minutes, local_start=wall(2025, 1, 6, hour, 0))
    assert minutes <= earned <= (minutes * by_hour + 999) // 1000


# --- Between communities ------------------------------------------------------------------------


def linked() -> tuple[Membership, Membership, Membership, Membership]:
    """Two communities with coordinators, a giver on one side and a parent on the other."""
    here, there = make_community(), make_community()
    here_boss, there_boss = make_coordinator(here), make_coordinator(there)
    link = services.community_link_create(
        actor=here_boss, partner_slug=there.slug, limit_to_partner=600, limit_from_partner=300
    )
    services.community_link_accept(actor=there_boss, link=link)
    return here_boss, there_boss, make_member(here), make_member(there)


def test_credits_cross_to_a_linked_community_in_two_legs_at_once() -> None:
    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    legs = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=120, memo="For Mum"
    )
    assert [leg.community_id for leg in legs] == [giver.community_id, parent.community_id]
    assert legs[0].batch_id == legs[1].batch_id
    assert account_of(giver).balance == -120
    assert account_of(parent).balance == 120
    assert ledger_reconcile().is_clean


def test_the_link_limit_stops_both_legs() -> None:
    here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    services.account_limits_set(
        actor=here_boss, account=account_of(giver), floor=None, ceiling=None
    )
    with pytest.raises(LimitExceeded):
        services.inter_community_transfer_create(
            actor=giver, link=link, recipient=parent, minutes=601
        )
    assert not Transfer.objects.exists()
    services.inter_community_transfer_create(actor=giver, link=link, recipient=parent, minutes=600)


def test_either_side_can_pause_the_link() -> None:
    here_boss, there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    services.community_link_pause(actor=there_boss, link=link)
    with pytest.raises(LinkUnavailable):
        services.inter_community_transfer_create(
            actor=giver, link=link, recipient=parent, minutes=5
        )
    services.community_link_resume(actor=here_boss, link=link)
    services.inter_community_transfer_create(actor=giver, link=link, recipient=parent, minutes=5)


def test_an_inter_community_gift_with_one_key_is_recorded_once() -> None:
    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    key = uuid.uuid4()
    first = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=30, idempotency_key=key
    )
    again = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=30, idempotency_key=key
    )
    assert [t.pk for t in first] == [t.pk for t in again]


def test_an_unaccepted_link_cannot_be_used() -> None:
    here, there = make_community(), make_community()
    link = services.community_link_create(
        actor=make_coordinator(here),
        partner_slug=there.slug,
        limit_to_partner=60,
        limit_from_partner=60,
    )
    with pytest.raises(LinkUnavailable):
        services.inter_community_transfer_create(
            actor=make_member(here), link=link, recipient=make_member(there), minutes=5
        )


# --- Partners and the pot -----------------------------------------------------------------------


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
    partner = services.party_account(actor=member, party=f"organisation:{organisation.pk}")
    services.transfer_create(
        actor=member, debit=account_of(member), credit=partner, kind=Kind.REDEMPTION, minutes=60
    )
    partner.refresh_from_db()
    assert partner.balance == 60
    assert sum(a.balance for a in Account.objects.filter(community=town)) == 0


# --- Where writes happen ------------------------------------------------------------------------


def test_only_the_ledger_services_create_transfers_or_move_counters() -> None:
    root = Path(__file__).resolve().parents[3]
    pattern = re.compile(
        r"(?<!class )\bTransfer\(|\bTransfer\.objects\.(create|bulk_create|update)|"
        r"(debits|credits)_(posted|pending)\s*=\s*F\("
    )
    offenders = []
    for path in (root / "coproduce").rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        if relative in {"coproduce/ledger/services.py"}:
            continue
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(relative)
    assert offenders == []


# --- Exchanges recorded by either side (coproduce/exchanges) -------------------------------------


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


def test_a_ledger_service_joins_a_callers_transaction(town: Community) -> None:
    """Another app's service records its rows and the transfer in one transaction."""
    from django.db import transaction

    giver, receiver = make_member(town), make_member(town)
    with pytest.raises(ValueError, match="caller fails"), transaction.atomic():
        services.transfer_hold(
            actor=giver,
            debit=account_of(receiver),
            credit=account_of(giver),
            kind=Kind.EXCHANGE,
            minutes=60,
        )
        raise ValueError("the caller fails after the hold")
    assert account_of(receiver).debits_pending == 0


# --- Hardening (issue 7) -------------------------------------------------------------------------


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


def test_limits_stay_far_from_the_counters_range(town: Community, boss: Membership) -> None:
    account = account_of(make_member(town))
    with pytest.raises(ValidationError) as refused:
        services.account_limits_set(actor=boss, account=account, floor=-(2**62), ceiling=2**62)
    assert set(refused.value.message_dict) == {"floor", "ceiling"}
    with pytest.raises(ValidationError):
        services.community_link_create(
            actor=boss,
            partner_slug=make_community().slug,
            limit_to_partner=2**62,
            limit_from_partner=60,
        )
    huge = make_community(default_floor_minutes=-(2**31 - 1), default_ceiling_minutes=2**31 - 1)
    opened = account_of(make_member(huge))
    assert (opened.floor, opened.ceiling) == (-60_000_000, 60_000_000)


def test_the_database_refuses_limits_and_transfers_beyond_a_million_hours(
    town: Community, boss: Membership
) -> None:
    from django.db import IntegrityError, transaction

    account = account_of(make_member(town))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(floor=-(2**62))
    transfer = pay(boss, account, account_of(make_member(town)), 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            community=town,
            debit_id=transfer.debit_id,
            credit_id=transfer.credit_id,
            kind=Kind.GIFT,
            minutes=60_000_001,
        )


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
