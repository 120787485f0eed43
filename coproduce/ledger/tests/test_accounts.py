"""Opening accounts, and the limits coordinators set on them (ledger/services/accounts.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.models import Account, AccountLimitChange, Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    community_account,
    make_community,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db

Kind = Transfer.Kind


# --- Opening accounts -----------------------------------------------------------------------------


def test_an_active_member_gets_one_account_with_the_community_defaults() -> None:
    community = make_community(default_floor_minutes=-300, default_ceiling_minutes=1200)
    member = make_member(community)
    again = services.member_account_open_within(membership=member)
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


# --- Limits ---------------------------------------------------------------------------------------


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
