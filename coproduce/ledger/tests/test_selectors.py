"""Reads: statements with running balances, balances as of a date, and tenancy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import timezone as fixed_offset

import pytest
from django.http import Http404
from django.utils import timezone

from coproduce.ledger import selectors, services
from coproduce.ledger.models import Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db


def test_a_statement_shows_each_transfer_with_the_balance_after_it() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    pay(boss, account_of(me), account_of(other), 60, kind=Transfer.Kind.GIFT)
    pay(boss, account_of(other), account_of(me), 90, kind=Transfer.Kind.EXCHANGE)
    pay(boss, account_of(me), account_of(other), 15, kind=Transfer.Kind.GIFT)
    result = selectors.statement(actor=me, account=account_of(me))
    assert [(line.change, line.balance) for line in result.lines] == [
        (-60, -60),
        (90, 30),
        (-15, 15),
    ]
    assert result.closing == account_of(me).balance == 15
    assert result.lines[1].other == account_of(other)


def test_a_kind_filter_hides_lines_but_keeps_the_true_balances() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    pay(boss, account_of(me), account_of(other), 60, kind=Transfer.Kind.GIFT)
    pay(boss, account_of(other), account_of(me), 90, kind=Transfer.Kind.EXCHANGE)
    result = selectors.statement(actor=me, account=account_of(me), kinds=["exchange"])
    assert [(line.change, line.balance) for line in result.lines] == [(90, 30)]


def test_date_filters_start_from_the_balance_before_the_period() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    pay(boss, account_of(me), account_of(other), 60)
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    later = selectors.statement(actor=me, account=account_of(me), date_from=tomorrow)
    assert later.lines == [] and later.opening == -60 and later.closing == -60
    earlier = selectors.statement(actor=me, account=account_of(me), date_to=date(2000, 1, 1))
    assert earlier.lines == [] and earlier.closing == 0


def test_balance_as_of_any_moment() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    before = timezone.now()
    pay(boss, account_of(me), account_of(other), 60)
    assert selectors.balance_as_of(actor=me, account=account_of(me), at=before) == 0
    after = timezone.now() + timedelta(seconds=1)
    assert selectors.balance_as_of(actor=me, account=account_of(me), at=after) == -60


# West of Greenwich the end of 31 December 9999 is in the year 10000 in UTC; east of it the
# start of 1 January 1 is in the year 0. Neither exists in Python, and PostgreSQL refuses
# offsets beyond ±15:59. The selectors must answer for every date the API and forms let through.
CALENDAR_EDGE_ZONES = ["Europe/London", "America/Los_Angeles", "Pacific/Kiritimati"]


@pytest.mark.parametrize("zone", CALENDAR_EDGE_ZONES)
def test_statements_reach_both_ends_of_the_calendar(zone: str) -> None:
    community = make_community(timezone=zone)
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    pay(boss, account_of(me), account_of(other), 60)
    everything = selectors.statement(
        actor=me, account=account_of(me), date_from=date.min, date_to=date.max
    )
    assert [line.change for line in everything.lines] == [-60]
    assert everything.opening == 0 and everything.closing == -60
    last_day = selectors.statement(
        actor=me, account=account_of(me), date_from=date.max, date_to=date.max
    )
    assert last_day.lines == [] and last_day.opening == last_day.closing == -60
    first_day = selectors.statement(
        actor=me, account=account_of(me), date_from=date.min, date_to=date.min
    )
    assert first_day.lines == [] and first_day.opening == first_day.closing == 0


@pytest.mark.parametrize("zone", CALENDAR_EDGE_ZONES)
def test_balance_as_of_the_ends_of_the_calendar_and_odd_offsets(zone: str) -> None:
    community = make_community(timezone=zone)
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    pay(boss, account_of(me), account_of(other), 60)
    now = timezone.now()

    def balance(at: datetime) -> int:
        return selectors.balance_as_of(actor=me, account=account_of(me), at=at)

    def offset(hours: int, minutes: int = 0) -> fixed_offset:
        return fixed_offset(timedelta(hours=hours, minutes=minutes))

    assert balance(datetime(9999, 12, 31, 23, 59, 59, tzinfo=offset(-14))) == -60
    assert balance(datetime.max.replace(tzinfo=UTC)) == -60
    assert balance(selectors.local_day_end(community, date.max)) == -60
    assert balance(datetime(1, 1, 1, tzinfo=offset(14))) == 0
    assert balance(datetime.min.replace(tzinfo=UTC)) == 0
    # Offsets PostgreSQL can't store: -23:15 and +16:00.
    assert balance((now + timedelta(days=1)).astimezone(offset(-23, -15))) == -60
    assert balance((now - timedelta(days=1)).astimezone(offset(16))) == 0


def test_holds_are_listed_apart_until_answered() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other = make_member(community), make_member(community)
    hold = services.transfer_hold(
        actor=boss, debit=account_of(me), credit=account_of(other), kind="exchange", minutes=30
    )
    assert [h.pk for h in selectors.statement(actor=me, account=account_of(me)).holds] == [hold.pk]
    services.transfer_post(actor=boss, transfer=hold)
    result = selectors.statement(actor=me, account=account_of(me))
    assert result.holds == [] and [line.change for line in result.lines] == [-30]


def test_members_see_only_their_own_account_and_transfers() -> None:
    community = make_community()
    boss = make_coordinator(community)
    me, other, third = (make_member(community) for _ in range(3))
    mine = pay(boss, account_of(me), account_of(other), 10)
    theirs = pay(boss, account_of(other), account_of(third), 10)
    with pytest.raises(Http404):
        selectors.account_get(actor=me, pk=account_of(other).pk)
    assert list(selectors.transfer_list(actor=me)) == [mine]
    with pytest.raises(Http404):
        selectors.transfer_get(actor=me, pk=theirs.pk)
    assert selectors.account_get(actor=boss, pk=account_of(other).pk) == account_of(other)


def test_another_communitys_rows_are_never_returned() -> None:
    here, there = make_community(), make_community()
    boss, their_boss = make_coordinator(here), make_coordinator(there)
    theirs = pay(their_boss, account_of(make_member(there)), account_of(make_member(there)), 10)
    with pytest.raises(Http404):
        selectors.transfer_get(actor=boss, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.account_get(actor=boss, pk=theirs.debit_id)
    assert all(a.community_id == here.pk for a in selectors.account_list(actor=boss))
    assert list(selectors.transfer_list(actor=boss)) == []


def test_a_link_is_seen_from_both_sides_only() -> None:
    here, there, elsewhere = make_community(), make_community(), make_community()
    here_boss = make_coordinator(here)
    link = services.community_link_create(
        actor=here_boss, partner_slug=there.slug, limit_to_partner=60, limit_from_partner=30
    )
    assert selectors.link_get(actor=make_member(there), pk=link.pk) == link
    with pytest.raises(Http404):
        selectors.link_get(actor=make_member(elsewhere), pk=link.pk)
    assert link.limit_from(there.pk) == 30 and link.limit_to(there.pk) == 60
