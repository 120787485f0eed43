"""A hypothesis state machine drives the services at random and checks the books after each step.

Each run has its own community, so runs share the test database without seeing each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from coproduce.ledger import services
from coproduce.ledger.errors import (
    AccountNotAllowed,
    AlreadyResolved,
    AlreadyReversed,
    IdempotencyConflict,
    LimitExceeded,
)
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.reconcile import expected_counters, ledger_reconcile
from coproduce.ledger.services import TransferLeg
from coproduce.ledger.tests.factories import make_community, make_coordinator, make_member

Kind = Transfer.Kind


@dataclass
class Model:
    """What the machine believes about one account, to predict refusals."""

    floor: int | None
    ceiling: int | None
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    def can_pay(self, minutes: int) -> bool:
        available = self.credits_posted - self.debits_posted - self.debits_pending
        return self.floor is None or available - minutes >= self.floor

    def can_receive(self, minutes: int) -> bool:
        incoming = self.credits_posted + self.credits_pending - self.debits_posted
        return self.ceiling is None or incoming + minutes <= self.ceiling


@dataclass(frozen=True)
class Sent:
    key: uuid.UUID
    debit: int
    credit: int
    kind: str
    minutes: int
    transfer_id: int


class LedgerMachine(RuleBasedStateMachine):
    accounts = Bundle("accounts")
    posted = Bundle("posted")
    holds = Bundle("holds")
    keys = Bundle("keys")

    @initialize(target=accounts)
    def open_community(self):
        self.community = make_community(uses_issued_credits=True, default_floor_minutes=-600)
        self.coordinator = make_coordinator(self.community)
        self.model: dict[int, Model] = {}
        self.objects: dict[int, Account] = {}
        for account in Account.objects.filter(community=self.community):
            self._remember(account)
        issuance = Account.objects.get(community=self.community, kind=Account.Kind.ISSUANCE)
        self.issuance = issuance.pk
        return issuance

    def _remember(self, account: Account) -> None:
        self.model[account.pk] = Model(floor=account.floor, ceiling=account.ceiling)
        self.objects[account.pk] = account

    @rule(
        target=accounts,
        floor=st.one_of(st.none(), st.integers(min_value=-900, max_value=0)),
        ceiling=st.one_of(st.none(), st.integers(min_value=0, max_value=1200)),
    )
    def open_account(self, floor, ceiling):
        member = make_member(self.community)
        account = Account.objects.get(kind=Account.Kind.MEMBER, membership=member)
        account = services.account_limits_set(
            actor=self.coordinator, account=account, floor=floor, ceiling=ceiling
        )
        self._remember(account)
        return account.pk

    def _pk(self, account) -> int:
        return account if isinstance(account, int) else account.pk

    def _apply(self, debit: int, credit: int, minutes: int, phase: str) -> None:
        d, c = self.model[debit], self.model[credit]
        if phase == Transfer.Phase.POSTED:
            d.debits_posted += minutes
            c.credits_posted += minutes
        elif phase == Transfer.Phase.PENDING:
            d.debits_pending += minutes
            c.credits_pending += minutes
        elif phase == Transfer.Phase.POST:
            d.debits_pending -= minutes
            c.credits_pending -= minutes
            d.debits_posted += minutes
            c.credits_posted += minutes
        else:
            d.debits_pending -= minutes
            c.credits_pending -= minutes

    def _allowed(self, debit: int, credit: int, minutes: int) -> bool:
        return self.model[debit].can_pay(minutes) and self.model[credit].can_receive(minutes)

    def _kind(self, debit: int, other: str) -> str:
        """Credits leave the issuance account only as an award."""
        return Kind.AWARD if debit == self.issuance else other

    def _moves(self, credit: int) -> bool:
        """Credits are never paid into the issuance account (an award is undone by reversal)."""
        return credit != self.issuance

    @rule(
        target=keys,
        debit=accounts,
        credit=accounts,
        minutes=st.integers(min_value=1, max_value=400),
    )
    def transfer(self, debit, credit, minutes):
        debit, credit = self._pk(debit), self._pk(credit)
        if debit == credit:
            return consumes_nothing()
        key = uuid.uuid4()
        kind = self._kind(debit, Kind.ADJUSTMENT)
        allowed = self._allowed(debit, credit, minutes)
        try:
            transfer = services.transfer_create(
                actor=self.coordinator,
                debit=self.objects[debit],
                credit=self.objects[credit],
                kind=kind,
                minutes=minutes,
                idempotency_key=key,
            )
        except AccountNotAllowed:
            assert not self._moves(credit)
            return consumes_nothing()
        except LimitExceeded:
            assert not allowed
            return consumes_nothing()
        assert allowed and self._moves(credit)
        self._apply(debit, credit, minutes, Transfer.Phase.POSTED)
        return Sent(
            key=key, debit=debit, credit=credit, kind=kind, minutes=minutes, transfer_id=transfer.pk
        )

    @rule(sent=keys)
    def retry_same_key(self, sent):
        if not isinstance(sent, Sent):
            return
        before = Transfer.objects.filter(community=self.community).count()
        again = services.transfer_create(
            actor=self.coordinator,
            debit=self.objects[sent.debit],
            credit=self.objects[sent.credit],
            kind=sent.kind,
            minutes=sent.minutes,
            idempotency_key=sent.key,
        )
        assert again.pk == sent.transfer_id
        assert Transfer.objects.filter(community=self.community).count() == before

    @rule(sent=keys, extra=st.integers(min_value=1, max_value=30))
    def reuse_key_with_other_content(self, sent, extra):
        if not isinstance(sent, Sent):
            return
        before = Transfer.objects.filter(community=self.community).count()
        with pytest.raises(IdempotencyConflict):
            services.transfer_create(
                actor=self.coordinator,
                debit=self.objects[sent.debit],
                credit=self.objects[sent.credit],
                kind=sent.kind,
                minutes=sent.minutes + extra,
                idempotency_key=sent.key,
            )
        assert Transfer.objects.filter(community=self.community).count() == before

    @rule(sent=consumes(keys))
    def reverse_twice(self, sent):
        if not isinstance(sent, Sent):
            return
        original = Transfer.objects.get(pk=sent.transfer_id)
        allowed = self._allowed(sent.credit, sent.debit, sent.minutes)
        try:
            reversal = services.transfer_reverse(actor=self.coordinator, transfer=original)
        except LimitExceeded:
            assert not allowed
            return
        assert allowed
        assert (reversal.debit_id, reversal.credit_id) == (sent.credit, sent.debit)
        self._apply(sent.credit, sent.debit, sent.minutes, Transfer.Phase.POSTED)
        with pytest.raises(AlreadyReversed):
            services.transfer_reverse(actor=self.coordinator, transfer=original)

    @rule(
        target=holds,
        debit=accounts,
        credit=accounts,
        minutes=st.integers(min_value=1, max_value=400),
    )
    def hold(self, debit, credit, minutes):
        debit, credit = self._pk(debit), self._pk(credit)
        if debit == credit:
            return consumes_nothing()
        allowed = self._allowed(debit, credit, minutes)
        try:
            hold = services.transfer_hold(
                actor=self.coordinator,
                debit=self.objects[debit],
                credit=self.objects[credit],
                kind=self._kind(debit, Kind.EXCHANGE),
                minutes=minutes,
                idempotency_key=uuid.uuid4(),
            )
        except AccountNotAllowed:
            assert not self._moves(credit)
            return consumes_nothing()
        except LimitExceeded:
            assert not allowed
            return consumes_nothing()
        assert allowed and self._moves(credit)
        self._apply(debit, credit, minutes, Transfer.Phase.PENDING)
        return hold.pk

    @rule(hold_id=consumes(holds), post=st.booleans())
    def resolve_hold_twice(self, hold_id, post):
        if not isinstance(hold_id, int):
            return
        hold = Transfer.objects.get(pk=hold_id)
        resolve = services.transfer_post if post else services.transfer_void
        other = services.transfer_void if post else services.transfer_post
        first = resolve(actor=self.coordinator, transfer=hold)
        self._apply(hold.debit_id, hold.credit_id, hold.minutes, first.phase)
        assert resolve(actor=self.coordinator, transfer=hold).pk == first.pk
        with pytest.raises(AlreadyResolved):
            other(actor=self.coordinator, transfer=hold)

    @rule(debit=accounts, credit=accounts, minutes=st.integers(min_value=1, max_value=60))
    def batch_with_one_failing_leg(self, debit, credit, minutes):
        debit, credit = self._pk(debit), self._pk(credit)
        if debit == credit:
            return
        # A fresh account with a floor of 0 cannot pay anything: that leg must fail.
        member = make_member(self.community)
        broke = Account.objects.get(kind=Account.Kind.MEMBER, membership=member)
        broke = services.account_limits_set(
            actor=self.coordinator, account=broke, floor=0, ceiling=None
        )
        self._remember(broke)
        before = Transfer.objects.filter(community=self.community).count()
        legs = [
            TransferLeg(
                debit=self.objects[debit],
                credit=self.objects[credit],
                kind=self._kind(debit, Kind.ADJUSTMENT),
                minutes=minutes,
            ),
            TransferLeg(
                debit=broke, credit=self.objects[credit], kind=Kind.ADJUSTMENT, minutes=minutes
            ),
        ]
        with pytest.raises(LimitExceeded if self._moves(credit) else AccountNotAllowed):
            services.transfer_batch_create(actor=self.coordinator, legs=legs)
        assert Transfer.objects.filter(community=self.community).count() == before

    @invariant()
    def books_balance(self):
        if not hasattr(self, "community"):
            return
        accounts = list(Account.objects.filter(community=self.community))
        assert sum(a.balance for a in accounts) == 0
        assert sum(a.credits_pending - a.debits_pending for a in accounts) == 0
        expected = expected_counters(self.community.pk)
        for account in accounts:
            counters = expected.get(account.pk, {})
            for name in ("debits_posted", "credits_posted", "debits_pending", "credits_pending"):
                assert getattr(account, name) == counters.get(name, 0)
            model = self.model[account.pk]
            assert account.debits_posted == model.debits_posted
            assert account.credits_pending == model.credits_pending
            if account.floor is not None:
                assert account.available >= account.floor
        assert ledger_reconcile(community_id=self.community.pk).is_clean


def consumes_nothing() -> None:
    """A rule that did nothing still has to return something for its bundle."""
    return None


@pytest.mark.django_db
def test_ledger_state_machine() -> None:
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
