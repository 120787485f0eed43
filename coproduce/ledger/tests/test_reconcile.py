"""manage.py ledger_reconcile and the nightly task find any difference and say so."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django_tasks_db.models import DBTaskResult

from coproduce.ledger.models import Account
from coproduce.ledger.tasks import ledger_reconcile_nightly
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    pay,
)

pytestmark = pytest.mark.django_db


def _books() -> Account:
    community = make_community()
    boss = make_coordinator(community)
    payer = account_of(make_member(community))
    pay(boss, payer, account_of(make_member(community)), 90)
    return payer


def test_clean_books_print_a_summary_and_exit_zero() -> None:
    _books()
    out = io.StringIO()
    call_command("ledger_reconcile", stdout=out)
    assert "Ledger reconciliation:" in out.getvalue()
    assert ": OK" in out.getvalue()


def test_a_tampered_counter_is_found_and_the_command_exits_non_zero() -> None:
    payer = _books()
    # Simulate corruption behind the services' back.
    Account.objects.filter(pk=payer.pk).update(credits_posted=F("credits_posted") + 5)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ledger_reconcile", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert f"account {payer.pk}" in err.getvalue()
    assert "credits_posted is 5, transfers say 0" in err.getvalue()
    assert "balances add up to 5, not 0" in err.getvalue()


def test_one_community_can_be_checked_alone() -> None:
    payer = _books()
    out = io.StringIO()
    call_command("ledger_reconcile", community=payer.community.slug, stdout=out)
    assert "1 communities: OK" in out.getvalue()


def test_the_nightly_task_reports_and_can_be_scheduled() -> None:
    _books()
    result = ledger_reconcile_nightly.call(reschedule=False)
    assert result["clean"] is True
    out = io.StringIO()
    call_command("ledger_reconcile", schedule=True, stdout=out)
    assert "queued" in out.getvalue()
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("ledger_reconcile_nightly")
    assert queued.run_after is not None
