"""Moving credits: transfers, holds and their answers, reversals and batches.

Each public service is its own transaction (``durable_transfer``, or ``atomic(durable=True)``
for batches) and refuses to run inside another. Its ``_within`` twin joins the caller's
transaction in a savepoint: another app's service recording its rows and the transfer together,
the demo building a year of history. Both check who may move what first.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Membership
from coproduce.ledger import permissions
from coproduce.ledger.errors import (
    AccountNotAllowed,
    AlreadyReversed,
    InvalidTransfer,
    NotPending,
    NotReversible,
)
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.services import _engine
from coproduce.ledger.services._engine import durable_transfer, record_alone, record_within
from coproduce.ledger.services.credit_rules import apply_credit_rule
from coproduce.people.models import User
from coproduce.transactions import requires_transaction

Phase = Transfer.Phase
Kind = Transfer.Kind
_KINDS = frozenset(Kind.values)


# --- Building a transfer from a service's arguments -----------------------------------------------


# Model.__init__ is much cheaper through its positional path than with keywords (which look up
# every field's keyword and go through each relation's descriptor). Fields not given get their
# defaults, as with keywords; the related objects given are cached on the transfer, as
# Transfer(debit=account) does, so reading transfer.debit costs no query.
_CONSTRUCTION = tuple((f.attname, f) for f in Transfer._meta.concrete_fields)
_RELATIONS = {
    name: cast(models.ForeignKey[Any, Any], Transfer._meta.get_field(name))
    for name in ("debit", "credit", "operator", "for_member")
}


def _new_transfer(values: dict[str, Any], **related: models.Model | None) -> Transfer:
    transfer = Transfer(
        *[
            values.pop(attname) if attname in values else field.get_default()
            for attname, field in _CONSTRUCTION
        ]
    )
    if values:
        raise TypeError(f"Transfer has no fields {sorted(values)}")
    for name, obj in related.items():
        if obj is not None:
            _RELATIONS[name].set_cached_value(transfer, obj)
    return transfer


# How far ahead of now a time given may be (the community's day can start before the server's);
# the earliest is the default rule's start.
_GIVEN_AT_SLACK = timedelta(days=2)


def _given_at_plausible(given_at: datetime) -> bool:
    return _engine.DEFAULT_RULE_STARTS_AT <= given_at <= timezone.now() + _GIVEN_AT_SLACK


def _opened(account: Account) -> Account:
    """``selectors.party_account`` names a partner organisation nobody has paid yet by its
    account-to-be; it is opened here, once the actor's right to move credits is checked."""
    if account.kind != Account.Kind.ORGANISATION or account.organisation_id is None:
        raise InvalidTransfer(_("We couldn't find that account in this community."))
    organisation = account.organisation
    assert organisation is not None  # noqa: S101 - organisation_id is set
    return _engine.organisation_account(organisation)


def _new(
    *,
    actor: Membership,
    debit: Account,
    credit: Account,
    kind: str,
    phase: str,
    minutes: int | None,
    minutes_given: int | None,
    category: str,
    given_at: datetime | None,
    memo: str,
    idempotency_key: uuid.UUID | None,
    for_member: Membership | None,
    cause_type: str,
    cause_id: int | None,
    batch_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> Transfer:
    """Check who may move what (PermissionDenied; AccountNotAllowed: the community's own
    accounts have their own services), then validate and build the unsaved transfer."""
    if phase == Phase.PENDING:
        if not permissions.can_hold_from(actor, debit, credit, kind):
            raise PermissionDenied
    elif not permissions.can_transfer_from(actor, debit, kind):
        raise PermissionDenied
    reason = permissions.account_refusal(actor, debit, credit, kind)
    if reason is not None:
        raise AccountNotAllowed(reason, actor=actor)
    if debit.pk is None:
        debit = _opened(debit)
    if credit.pk is None:
        credit = _opened(credit)
    if debit.community_id != credit.community_id:
        raise InvalidTransfer(_("Both accounts must be in the same community."))
    if debit.community_id != actor.community_id:
        raise InvalidTransfer(_("Both accounts must be in your community."))
    if debit.pk == credit.pk:
        raise InvalidTransfer(_("Credits can't go from an account to itself."))
    if kind not in _KINDS or kind == Kind.REVERSAL:
        raise InvalidTransfer(_("Choose what kind of transfer this is."))
    if minutes is None and minutes_given is None:
        raise InvalidTransfer(
            _("Say how much: the credits (minutes) or the time given (minutes_given).")
        )
    if minutes is not None and minutes_given is not None:
        raise InvalidTransfer(_("Give either the credits or the time given, not both."))
    most = settings.LEDGER_MAX_TRANSFER_MINUTES
    if (minutes or 0) > most or (minutes_given or 0) > most:
        raise _engine.too_much(most)
    if given_at is not None and timezone.is_naive(given_at):
        # A time without an offset is the community's local time.
        given_at = timezone.make_aware(given_at, zoneinfo.ZoneInfo(actor.community.timezone))
    if given_at is not None and not _given_at_plausible(given_at):
        raise InvalidTransfer(
            _("Say when the time was given: a date from the year 2000 up to today.")
        )
    if for_member is not None and for_member.community_id != debit.community_id:
        raise InvalidTransfer(_("The person it was for must be in this community."))
    values = {
        "community_id": debit.community_id,
        "debit_id": debit.pk,
        "credit_id": credit.pk,
        "kind": kind,
        "phase": phase,
        "minutes": minutes or 0,
        "minutes_given": minutes_given,
        "category": category.strip().lower(),
        "given_at": given_at,
        "memo": memo,
        "idempotency_key": idempotency_key,
        "operator_id": actor.pk,
        "for_member_id": for_member.pk if for_member is not None else None,
        "cause_type": cause_type,
        "cause_id": cause_id,
        "batch_id": batch_id,
    }
    if created_at is not None:
        values["created_at"] = created_at
    transfer = _new_transfer(
        values, debit=debit, credit=credit, operator=actor, for_member=for_member
    )
    if minutes_given is not None:
        if minutes_given <= 0:
            raise InvalidTransfer(_("The time given must be more than zero."))
        apply_credit_rule(transfer, actor.community)
        if transfer.minutes > most:
            raise _engine.too_much(most, by_rule=True)
    elif transfer.minutes <= 0:
        raise InvalidTransfer(_("The credits must be more than zero."))
    return transfer


# --- Transfers and holds --------------------------------------------------------------------------


@durable_transfer
def transfer_create(
    *,
    actor: Membership,
    debit: Account,
    credit: Account,
    kind: str,
    minutes: int | None = None,
    minutes_given: int | None = None,
    category: str = "",
    given_at: datetime | None = None,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    for_member: Membership | None = None,
    cause_type: str = "",
    cause_id: int | None = None,
) -> Transfer:
    """Move credits now. Give ``minutes`` (credits) or ``minutes_given`` (the rule decides).

    The same ``idempotency_key`` with the same content returns the first transfer; with other
    content it raises IdempotencyConflict.
    """
    return record_alone(
        _new(
            actor=actor,
            debit=debit,
            credit=credit,
            kind=kind,
            phase=Phase.POSTED,
            minutes=minutes,
            minutes_given=minutes_given,
            category=category,
            given_at=given_at,
            memo=memo,
            idempotency_key=idempotency_key,
            for_member=for_member,
            cause_type=cause_type,
            cause_id=cause_id,
        )
    )


@requires_transaction
def transfer_create_within(
    *,
    actor: Membership,
    debit: Account,
    credit: Account,
    kind: str,
    minutes: int | None = None,
    minutes_given: int | None = None,
    category: str = "",
    given_at: datetime | None = None,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    for_member: Membership | None = None,
    cause_type: str = "",
    cause_id: int | None = None,
    created_at: datetime | None = None,
) -> Transfer:
    """``transfer_create`` in the caller's transaction. ``created_at`` dates it in the past
    (the demo's year of history); a refusal undoes only this transfer."""
    return record_within(
        _new(
            actor=actor,
            debit=debit,
            credit=credit,
            kind=kind,
            phase=Phase.POSTED,
            minutes=minutes,
            minutes_given=minutes_given,
            category=category,
            given_at=given_at,
            memo=memo,
            idempotency_key=idempotency_key,
            for_member=for_member,
            cause_type=cause_type,
            cause_id=cause_id,
            created_at=created_at,
        )
    )


@durable_transfer
def transfer_hold(
    *,
    actor: Membership,
    debit: Account,
    credit: Account,
    kind: str,
    minutes: int | None = None,
    minutes_given: int | None = None,
    category: str = "",
    given_at: datetime | None = None,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    for_member: Membership | None = None,
    cause_type: str = "",
    cause_id: int | None = None,
) -> Transfer:
    """Put credits on hold: counted against the payer's limit until posted or voided.

    A member may also hold an exchange against the member they helped (credit = their own
    account): the hours wait until that member confirms them.
    """
    return record_alone(
        _new(
            actor=actor,
            debit=debit,
            credit=credit,
            kind=kind,
            phase=Phase.PENDING,
            minutes=minutes,
            minutes_given=minutes_given,
            category=category,
            given_at=given_at,
            memo=memo,
            idempotency_key=idempotency_key,
            for_member=for_member,
            cause_type=cause_type,
            cause_id=cause_id,
        )
    )


@requires_transaction
def transfer_hold_within(
    *,
    actor: Membership,
    debit: Account,
    credit: Account,
    kind: str,
    minutes: int | None = None,
    minutes_given: int | None = None,
    category: str = "",
    given_at: datetime | None = None,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    for_member: Membership | None = None,
    cause_type: str = "",
    cause_id: int | None = None,
    created_at: datetime | None = None,
) -> Transfer:
    """``transfer_hold`` in the caller's transaction (recording an exchange's hours with the
    exchange; ``created_at`` for the demo's history)."""
    return record_within(
        _new(
            actor=actor,
            debit=debit,
            credit=credit,
            kind=kind,
            phase=Phase.PENDING,
            minutes=minutes,
            minutes_given=minutes_given,
            category=category,
            given_at=given_at,
            memo=memo,
            idempotency_key=idempotency_key,
            for_member=for_member,
            cause_type=cause_type,
            cause_id=cause_id,
            created_at=created_at,
        )
    )


# --- Answers to holds -----------------------------------------------------------------------------


def _resolution(
    *,
    actor: Membership | None,
    hold: Transfer,
    phase: str,
    idempotency_key: uuid.UUID | None,
    memo: str,
) -> Transfer:
    """The posting or voiding of ``hold`` (unsaved). ``actor`` None: automatic confirmation."""
    if actor is None:
        if hold.kind != Kind.EXCHANGE:
            raise InvalidTransfer(_("Only exchanges are confirmed automatically."))
    else:
        if hold.community_id != actor.community_id:
            raise InvalidTransfer(_("This transfer is not in your community."))
        if not permissions.can_resolve_hold(actor, hold, phase=phase):
            raise PermissionDenied
    if hold.phase != Phase.PENDING:
        raise NotPending
    return Transfer(
        community_id=hold.community_id,
        debit_id=hold.debit_id,
        credit_id=hold.credit_id,
        minutes=hold.minutes,
        kind=hold.kind,
        phase=phase,
        pending=hold,
        memo=memo,
        operator=actor,
        for_member_id=hold.for_member_id,
        idempotency_key=idempotency_key,
        batch_id=hold.batch_id,
    )


@durable_transfer
def transfer_post(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """Confirm a hold: its credits move for good. Posting twice returns the first posting."""
    return record_alone(
        _resolution(
            actor=actor, hold=transfer, phase=Phase.POST, idempotency_key=idempotency_key, memo=memo
        )
    )


@requires_transaction
def transfer_post_within(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """``transfer_post`` in the caller's transaction (confirming an exchange)."""
    return record_within(
        _resolution(
            actor=actor, hold=transfer, phase=Phase.POST, idempotency_key=idempotency_key, memo=memo
        )
    )


@durable_transfer
def transfer_void(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """Cancel a hold: its credits are released. Voiding twice returns the first voiding."""
    return record_alone(
        _resolution(
            actor=actor, hold=transfer, phase=Phase.VOID, idempotency_key=idempotency_key, memo=memo
        )
    )


@requires_transaction
def transfer_void_within(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """``transfer_void`` in the caller's transaction (cancelling an exchange)."""
    return record_within(
        _resolution(
            actor=actor, hold=transfer, phase=Phase.VOID, idempotency_key=idempotency_key, memo=memo
        )
    )


@durable_transfer
def transfer_post_automatically(*, transfer: Transfer, memo: str = "") -> Transfer:
    """Confirm an exchange hold nobody answered in time (the community's auto-confirm days).

    No person acts, so the posting has no operator. Only exchange holds qualify.
    """
    return record_alone(
        _resolution(actor=None, hold=transfer, phase=Phase.POST, idempotency_key=None, memo=memo)
    )


@requires_transaction
def transfer_post_automatically_within(*, transfer: Transfer, memo: str = "") -> Transfer:
    """``transfer_post_automatically`` in the caller's transaction (exchanges' nightly job
    confirms the exchange and its hold together)."""
    return record_within(
        _resolution(actor=None, hold=transfer, phase=Phase.POST, idempotency_key=None, memo=memo)
    )


# --- Reversals ------------------------------------------------------------------------------------


def _reversal(
    *,
    actor: Membership | None,
    transfer: Transfer,
    memo: str,
    idempotency_key: uuid.UUID | None,
    operator_user: User | None,
    created_at: datetime | None = None,
) -> tuple[Transfer | None, Transfer]:
    """Check the reversal may be made; answer the reversal already made for this key (first),
    or the unsaved transfer that undoes ``transfer``: same minutes, the other way."""
    if actor is not None:
        if transfer.community_id != actor.community_id:
            raise InvalidTransfer(_("This transfer is not in your community."))
        if not permissions.can_reverse(actor):
            raise PermissionDenied
    elif operator_user is None or not operator_user.is_staff:
        raise PermissionDenied
    if not transfer.moves_posted_balance:
        raise NotReversible(_("Only a completed transfer can be reversed. Cancel a hold instead."))
    if transfer.kind == Kind.REVERSAL:
        raise NotReversible(_("A reversal can't be reversed. Record a new transfer instead."))
    if transfer.batch_id is not None and transfer.kind == Kind.INTER_COMMUNITY:
        raise NotReversible(
            _(
                "A transfer between communities can't be reversed here; "
                "ask the person to give it back."
            )
        )
    if not memo and operator_user is not None:
        memo = _("Reversed by operator %(email)s") % {"email": operator_user.email}
    reversal = Transfer(
        community_id=transfer.community_id,
        debit_id=transfer.credit_id,
        credit_id=transfer.debit_id,
        minutes=transfer.minutes,
        kind=Kind.REVERSAL,
        phase=Phase.POSTED,
        reverses=transfer,
        memo=memo,
        operator=actor,
        for_member_id=transfer.for_member_id,
        idempotency_key=idempotency_key,
    )
    if created_at is not None:
        reversal.created_at = created_at
    existing = _engine.existing_for_key(transfer.community_id, idempotency_key)
    if existing is not None:
        return _engine.same_or_conflict(existing, reversal), reversal
    done = Transfer.objects.filter(reverses=transfer).first()
    if done is None:
        return None, reversal
    if idempotency_key is not None and done.idempotency_key == idempotency_key:
        # A retry with this key finished between the two reads above: the same answer.
        return _engine.same_or_conflict(done, reversal), reversal
    raise AlreadyReversed


@durable_transfer
def transfer_reverse(
    *,
    actor: Membership | None,
    transfer: Transfer,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    operator_user: User | None = None,
) -> Transfer:
    """Undo a transfer with a new one the other way. At most once per transfer.

    ``operator_user`` lets a platform operator reverse from the admin site.
    """
    answer, reversal = _reversal(
        actor=actor,
        transfer=transfer,
        memo=memo,
        idempotency_key=idempotency_key,
        operator_user=operator_user,
    )
    return answer if answer is not None else record_alone(reversal)


@requires_transaction
def transfer_reverse_within(
    *,
    actor: Membership,
    transfer: Transfer,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> Transfer:
    """``transfer_reverse`` by a coordinator in the caller's transaction (``created_at`` for the
    demo's history)."""
    answer, reversal = _reversal(
        actor=actor,
        transfer=transfer,
        memo=memo,
        idempotency_key=idempotency_key,
        operator_user=None,
        created_at=created_at,
    )
    return answer if answer is not None else record_within(reversal)


# --- Batches --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLeg:
    """One leg of a batch: every leg succeeds or none does."""

    debit: Account
    credit: Account
    kind: str
    minutes: int | None = None
    minutes_given: int | None = None
    category: str = ""
    given_at: datetime | None = None
    memo: str = ""
    idempotency_key: uuid.UUID | None = None
    for_member: Membership | None = None
    cause_type: str = ""
    cause_id: int | None = None


def _batch(
    actor: Membership, legs: Sequence[TransferLeg], batch_id: uuid.UUID | None
) -> list[Transfer]:
    if not legs:
        raise InvalidTransfer(_("A batch needs at least one transfer."))
    batch_id = batch_id or uuid.uuid4()
    return [
        _new(
            actor=actor,
            debit=leg.debit,
            credit=leg.credit,
            kind=leg.kind,
            phase=Phase.POSTED,
            minutes=leg.minutes,
            minutes_given=leg.minutes_given,
            category=leg.category,
            given_at=leg.given_at,
            memo=leg.memo,
            idempotency_key=leg.idempotency_key,
            for_member=leg.for_member,
            cause_type=leg.cause_type,
            cause_id=leg.cause_id,
            batch_id=batch_id,
        )
        for leg in legs
    ]


@transaction.atomic(durable=True)
def transfer_batch_create(
    *, actor: Membership, legs: Sequence[TransferLeg], batch_id: uuid.UUID | None = None
) -> list[Transfer]:
    """Several transfers in one transaction: all are recorded, or none is."""
    return _engine.record_batch_within(_batch(actor, legs, batch_id))


@requires_transaction
def transfer_batch_create_within(
    *, actor: Membership, legs: Sequence[TransferLeg], batch_id: uuid.UUID | None = None
) -> list[Transfer]:
    """``transfer_batch_create`` in the caller's transaction (a group exchange recorded with
    its exchanges); a refusal undoes every leg and nothing else."""
    return _engine.record_batch_within(_batch(actor, legs, batch_id))
