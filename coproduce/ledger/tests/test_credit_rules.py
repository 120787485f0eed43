"""Credit rules (Fureai Kippu): versions, multipliers, stacking and rounding
(ledger/services/credit_rules.py, ledger/rules.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.models import CreditRule, Transfer
from coproduce.ledger.rules import RuleTerms, credits_for, minutes_inside_window
from coproduce.ledger.tests.factories import (
    account_of,
    make_member,
)

pytestmark = pytest.mark.django_db

Kind = Transfer.Kind


def wall(*parts: int) -> datetime:
    """A local wall-clock time, as the credit rule sees it."""
    return datetime(*parts)  # noqa: DTZ001


# --- Credit rules ---------------------------------------------------------------------------------


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
