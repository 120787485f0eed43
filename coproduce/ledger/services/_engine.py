"""The ledger's engine: how one transfer is validated, inserted and moves two accounts'
counters, on each back-end, and how a repeated request key is recognised.

Private to ``coproduce.ledger.services``: every function here trusts that the service calling it
has checked who may do what. Limits are enforced by a conditional UPDATE (``… WHERE floor <=
balance after``); zero rows updated means the transfer is refused. Accounts are updated in
primary-key order so two transfers never wait on each other in a cycle.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from time import monotonic
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from coproduce.communities.models import Organisation
from coproduce.edge.units import minutes_display
from coproduce.ledger.errors import (
    AlreadyResolved,
    AlreadyReversed,
    IdempotencyConflict,
    InvalidTransfer,
    LimitExceeded,
)
from coproduce.ledger.models import Account, Transfer
from coproduce.transactions import requires_transaction

Phase = Transfer.Phase
Kind = Transfer.Kind

# Fields that must match when a request key is used again ("same content").
_CONTENT_FIELDS = (
    "debit_id",
    "credit_id",
    "kind",
    "phase",
    "memo",
    "for_member_id",
    "cause_type",
    "cause_id",
    "pending_id",
    "reverses_id",
)


# The default one-to-one rule applies to any time ever given, even before the community existed.
DEFAULT_RULE_STARTS_AT = datetime(2000, 1, 1, tzinfo=UTC)


# --- Insert a transfer row, then move the counters ------------------------------------------------


def _refuse(account_id: int, *, is_floor: bool, transfer: Transfer) -> LimitExceeded:
    """The refusal, worded for the person who asked (the transfer's operator)."""
    account = Account.objects.select_related(
        "community", "membership__profile", "organisation", "partner"
    ).get(pk=account_id)
    return LimitExceeded(account=account, is_floor=is_floor, viewer=transfer.operator)


# The hot path of every transfer, written once as SQL (no ORM query building per transfer).
# Each counter UPDATE sets the counters and, where the phase can exceed a limit, refuses (0 rows)
# unless the account stays within its floor (counting holds to pay) or its ceiling (counting
# holds to receive).
_ACCOUNT_TABLE = Account._meta.db_table
_WITHIN_FLOOR = "(floor IS NULL OR floor <= credits_posted - debits_posted - debits_pending - %s)"
_WITHIN_CEILING = (
    "(ceiling IS NULL OR ceiling >= credits_posted + credits_pending - debits_posted + %s)"
)
_DEBIT_SQL: dict[str, tuple[str, str | None]] = {
    Phase.POSTED: ("debits_posted = debits_posted + %s", _WITHIN_FLOOR),
    Phase.PENDING: ("debits_pending = debits_pending + %s", _WITHIN_FLOOR),
    Phase.POST: ("debits_pending = debits_pending - %s, debits_posted = debits_posted + %s", None),
    Phase.VOID: ("debits_pending = debits_pending - %s", None),
}
_CREDIT_SQL: dict[str, tuple[str, str | None]] = {
    Phase.POSTED: ("credits_posted = credits_posted + %s", _WITHIN_CEILING),
    Phase.PENDING: ("credits_pending = credits_pending + %s", _WITHIN_CEILING),
    Phase.POST: (
        "credits_pending = credits_pending - %s, credits_posted = credits_posted + %s",
        None,
    ),
    Phase.VOID: ("credits_pending = credits_pending - %s", None),
}


# The transfer row, inserted with one hand-written INSERT. Field values go through the field's own
# get_db_prep_save where the driver needs a conversion (dates, UUIDs, JSON), as Model.save does.
# Transfer has no save() override and no signal receivers (a test checks: if that changes, this
# must change too).
_TRANSFER_TABLE = Transfer._meta.db_table
_INSERT_FIELDS = tuple(f for f in Transfer._meta.concrete_fields if not f.primary_key)
_PASSED_AS_IS = frozenset(
    {
        "ForeignKey",
        "OneToOneField",
        "BigIntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "IntegerField",
        "CharField",
        "TextField",
    }
)
_INSERT_PLAN = tuple(
    (field.attname, field if field.get_internal_type() not in _PASSED_AS_IS else None)
    for field in _INSERT_FIELDS
)
_INSERT_COLUMNS = ", ".join('"' + field.column + '"' for field in _INSERT_FIELDS)
_INSERT_SQL = (
    f'INSERT INTO "{_TRANSFER_TABLE}" ({_INSERT_COLUMNS}) '  # noqa: S608 - constants only
    f"VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))})"
)


# What insert_and_move validates: Model.clean_fields on the fields that are not relations. A
# cheap check first recognises values that Field.clean would return unchanged (a str of the
# right length and choice, an int in range, a datetime, a UUID); anything else goes through
# Field.clean itself, so the errors are Django's.
_NOT_VALIDATED = frozenset(
    {"community", "debit", "credit", "pending", "reverses", "credit_rule", "operator", "for_member"}
)
_INT_MAX = 2_147_483_647  # inside the range of every integer field here


def _never(value: Any) -> bool:
    return False


def _plainly_valid(field: Any) -> Callable[[Any], bool]:
    if field._validators:
        return _never
    if isinstance(field, models.CharField):
        choices = frozenset(str(v) for v, _label in field.flatchoices) if field.choices else None
        most: int = field.max_length if field.max_length is not None else _INT_MAX
        blank = field.blank

        def check_text(value: Any) -> bool:
            return (
                isinstance(value, str)
                and len(value) <= most
                and "\x00" not in value
                and (blank or value != "")
                and (choices is None or value in choices)
            )

        return check_text
    if field.choices:
        return _never
    if isinstance(field, models.PositiveIntegerField | models.PositiveBigIntegerField):
        return lambda value: type(value) is int and 0 <= value <= _INT_MAX
    if isinstance(field, models.DateTimeField):
        return lambda value: isinstance(value, datetime)
    if isinstance(field, models.UUIDField):
        return lambda value: isinstance(value, uuid.UUID)
    return _never


_VALIDATION_PLAN = tuple(
    (field, _plainly_valid(field))
    for field in Transfer._meta.fields
    if field.name not in _NOT_VALIDATED
)


def _validate(transfer: Transfer) -> None:
    """Model.clean_fields(exclude=relations), without its per-call set-up."""
    errors: dict[str, Any] = {}
    for field, plainly_valid in _VALIDATION_PLAN:
        raw = getattr(transfer, field.attname)
        if plainly_valid(raw) or (field.blank and raw in field.empty_values):
            continue
        try:
            setattr(transfer, field.attname, field.clean(raw, transfer))
        except ValidationError as error:
            errors[field.name] = error.error_list
    if errors:
        raise ValidationError(errors)


def _insert_values(transfer: Transfer, db: BaseDatabaseWrapper) -> list[Any]:
    values = []
    for attname, field in _INSERT_PLAN:
        value = getattr(transfer, attname)
        if field is not None and value is not None:
            value = field.get_db_prep_save(value, db)
        values.append(value)
    return values


def _update_statement(side: dict[str, tuple[str, str | None]], phase: str) -> tuple[str, int, bool]:
    """The conditional UPDATE of one side, its number of minute parameters before the id, and
    whether a limit condition (one more minute parameter) follows."""
    assignments, condition = side[phase]
    # Only constants from this module go into the text; values are parameters.
    sql = f"UPDATE {_ACCOUNT_TABLE} SET {assignments} WHERE id = %s"  # noqa: S608
    if condition is not None:
        sql += f" AND {condition}"
    return sql, assignments.count("%s"), condition is not None


_DEBIT_UPDATES = {phase: _update_statement(_DEBIT_SQL, phase) for phase in _DEBIT_SQL}
_CREDIT_UPDATES = {phase: _update_statement(_CREDIT_SQL, phase) for phase in _CREDIT_SQL}


def _steps(transfer: Transfer) -> list[tuple[int, str, list[int], bool]]:
    """Both counter UPDATEs (account, SQL, parameters, whether it is the debit), lower primary
    key first: the UPDATE takes the row lock, so two transfers never wait on each other in a
    cycle."""
    minutes = transfer.minutes
    steps = []
    for account_id, (sql, before, limited), is_debit in (
        (transfer.debit_id, _DEBIT_UPDATES[transfer.phase], True),
        (transfer.credit_id, _CREDIT_UPDATES[transfer.phase], False),
    ):
        params = [minutes] * before + [account_id]
        if limited:
            params.append(minutes)
        steps.append((account_id, sql, params, is_debit))
    steps.sort(key=lambda step: step[0])
    return steps


def _log_query(db: BaseDatabaseWrapper, sql: str, params: list[Any], started: float) -> None:
    """Keep connection.queries (DEBUG, CaptureQueriesContext) whole for the raw statements."""
    db.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{monotonic() - started:.3f}"})


# PostgreSQL: the insert and both conditional UPDATEs in ONE statement (one round trip instead of
# three). Each step reads the one before it (EXISTS), so they run in this order: insert, then the
# lower account, then the higher one; an UPDATE whose limit check fails updates no row and the
# steps after it do nothing. Inside a transaction the answer says which account refused (the
# caller raises, which rolls the transaction or savepoint back). Alone (autocommit: the statement
# is its own transaction, no BEGIN and COMMIT round trips) a refusal must undo the insert, so the
# statement fails through ledger_limit_refused() (migration 0003), naming the account.
_POSTGRESQL_STEPS = (
    "WITH t AS ({insert} RETURNING id), "
    "a AS ({first} AND EXISTS (SELECT FROM t) RETURNING id), "
    "b AS ({second} AND EXISTS (SELECT FROM a) RETURNING id) "
)
_POSTGRESQL_IN_TRANSACTION = (
    _POSTGRESQL_STEPS  # noqa: S608 - constants only
    + "SELECT (SELECT id FROM t), EXISTS (SELECT FROM a), EXISTS (SELECT FROM b)"
)
_POSTGRESQL_ALONE = (
    _POSTGRESQL_STEPS  # noqa: S608 - constants only
    + "SELECT CASE "
    "WHEN NOT EXISTS (SELECT FROM a) THEN ledger_limit_refused(%s::bigint, %s::boolean) "
    "WHEN NOT EXISTS (SELECT FROM b) THEN ledger_limit_refused(%s::bigint, %s::boolean) "
    "ELSE (SELECT id FROM t) END, true, true"
)
LIMIT_REFUSED_SQLSTATE = "LD001"
_POSTGRESQL_TEXTS: dict[tuple[str, str, bool], str] = {}


def _postgresql_text(first_sql: str, second_sql: str, alone: bool) -> str:
    key = (first_sql, second_sql, alone)
    text = _POSTGRESQL_TEXTS.get(key)
    if text is None:
        template = _POSTGRESQL_ALONE if alone else _POSTGRESQL_IN_TRANSACTION
        text = template.format(insert=_INSERT_SQL, first=first_sql, second=second_sql)
        _POSTGRESQL_TEXTS[key] = text
    return text


def _record_postgresql(
    transfer: Transfer, db: BaseDatabaseWrapper, *, alone: bool = False
) -> tuple[int, int | None, bool]:
    """Returns the new id and, if a limit refused it, the refusing account and its side."""
    from psycopg import Cursor

    (first_id, first_sql, first_params, first_debit), (second_id, second_sql, second_params, _d) = (
        _steps(transfer)
    )
    sql = _postgresql_text(first_sql, second_sql, alone)
    params = _insert_values(transfer, db) + first_params + second_params
    if alone:
        params += [first_id, first_debit, second_id, not first_debit]
    logged = db.queries_logged
    started = monotonic() if logged else 0.0
    db.ensure_connection()
    with db.wrap_database_errors:
        # A server-binding cursor: psycopg prepares the statement after a few runs on this
        # connection (OPTIONS "prepare_threshold"; None turns that off, e.g. behind PgBouncer).
        cursor = Cursor(db.connection)
        try:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        finally:
            cursor.close()
    if logged:
        _log_query(db, sql, params, started)
    assert row is not None  # noqa: S101 - a SELECT without FROM returns one row
    transfer_id, first_done, second_done = row
    if not first_done:
        return transfer_id, first_id, first_debit
    if not second_done:
        return transfer_id, second_id, not first_debit
    return transfer_id, None, False


def _record_alone_postgresql(transfer: Transfer, db: BaseDatabaseWrapper) -> Transfer:
    """insert_and_move as one autocommitted statement: its own transaction, like a durable
    atomic block, in one round trip."""
    _validate(transfer)
    try:
        transfer_id, _refused, _is_debit = _record_postgresql(transfer, db, alone=True)
    except DatabaseError as error:
        cause = error.__cause__
        if getattr(cause, "sqlstate", None) != LIMIT_REFUSED_SQLSTATE:
            raise
        account_id, side = str(cause.diag.message_detail).split()  # type: ignore[union-attr]
        raise _refuse(int(account_id), is_floor=side == "debit", transfer=transfer) from None
    transfer.pk = transfer_id
    transfer._state.adding = False
    transfer._state.db = db.alias
    return transfer


_SQLITE_TEXTS: dict[str, str] = {}


def _sqlite_text(sql: str) -> str:
    text = _SQLITE_TEXTS.get(sql)
    if text is None:
        text = _SQLITE_TEXTS[sql] = sql.replace("%s", "?")
    return text


def _record_sqlite(transfer: Transfer, db: BaseDatabaseWrapper) -> tuple[int, int | None, bool]:
    """SQLite: the same statements one by one on the driver's connection (no Django cursor
    wrapper per statement). IMMEDIATE transactions already hold the write lock."""
    values = _insert_values(transfer, db)
    steps = _steps(transfer)
    logged = db.queries_logged
    db.ensure_connection()
    raw = db.connection
    with db.wrap_database_errors:
        started = monotonic() if logged else 0.0
        transfer_id = raw.execute(_sqlite_text(_INSERT_SQL), values).lastrowid
        if logged:
            _log_query(db, _INSERT_SQL, values, started)
        for account_id, sql, params, is_debit in steps:
            started = monotonic() if logged else 0.0
            updated = raw.execute(_sqlite_text(sql), params).rowcount
            if logged:
                _log_query(db, sql, params, started)
            if updated != 1:
                return transfer_id, account_id, is_debit
    return transfer_id, None, False


def _record_alone_sqlite(transfer: Transfer, db: BaseDatabaseWrapper) -> Transfer:
    """insert_and_move in its own short IMMEDIATE transaction on the driver's connection, as a
    durable atomic block would run it, without Django's transaction bookkeeping around it."""
    _validate(transfer)
    db.ensure_connection()
    raw = db.connection
    with db.wrap_database_errors:
        raw.execute("BEGIN IMMEDIATE")
    try:
        transfer_id, refused_by, is_debit = _record_sqlite(transfer, db)
        if refused_by is not None:
            raise _refuse(refused_by, is_floor=is_debit, transfer=transfer)
        with db.wrap_database_errors:
            raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    transfer.pk = transfer_id
    transfer._state.adding = False
    transfer._state.db = db.alias
    return transfer


def _record_other(transfer: Transfer, db: BaseDatabaseWrapper) -> tuple[int, int | None, bool]:
    """Any other database: the ORM insert, then the UPDATEs through Django's cursor."""
    transfer.save(force_insert=True, using=db.alias)
    with db.cursor() as cursor:
        for account_id, sql, params, is_debit in _steps(transfer):
            cursor.execute(sql, params)
            if cursor.rowcount != 1:
                return transfer.pk, account_id, is_debit
    return transfer.pk, None, False


def _content(transfer: Transfer) -> dict[str, Any]:
    values = {name: getattr(transfer, name) for name in _CONTENT_FIELDS}
    if transfer.minutes_given is not None:
        values.update(
            minutes_given=transfer.minutes_given,
            category=transfer.category,
            given_at=transfer.given_at,
        )
    else:
        values["minutes"] = transfer.minutes
    return values


def existing_for_key(community_id: int, key: uuid.UUID | None) -> Transfer | None:
    if key is None:
        return None
    return Transfer.objects.filter(community_id=community_id, idempotency_key=key).first()


def same_or_conflict(existing: Transfer, wanted: Transfer) -> Transfer:
    if _content(existing) != _content(wanted):
        raise IdempotencyConflict
    return existing


def insert_and_move(transfer: Transfer) -> Transfer:
    """Insert the row first (its unique keys settle retries and double resolutions), then move
    the counters (on PostgreSQL in the same statement). Inside the caller's transaction, which
    must be undone if this raises (``record_within`` and the batches use a savepoint)."""
    db = connections[DEFAULT_DB_ALIAS]
    _validate(transfer)
    if db.vendor == "postgresql":
        transfer_id, refused_by, is_debit = _record_postgresql(transfer, db)
    elif db.vendor == "sqlite":
        transfer_id, refused_by, is_debit = _record_sqlite(transfer, db)
    else:
        transfer_id, refused_by, is_debit = _record_other(transfer, db)
    transfer.pk = transfer_id
    transfer._state.adding = False
    transfer._state.db = db.alias
    if refused_by is not None:
        raise _refuse(refused_by, is_floor=is_debit, transfer=transfer)
    return transfer


def _after_integrity_error(wanted: Transfer, error: IntegrityError) -> Transfer:
    """A unique key refused the row: it is a retry, a conflict, or a second resolution."""
    wanted.pk = None
    existing = existing_for_key(wanted.community_id, wanted.idempotency_key)
    if existing is not None:
        return same_or_conflict(existing, wanted)
    if (
        wanted.reverses_id is not None
        and Transfer.objects.filter(reverses_id=wanted.reverses_id).exists()
    ):
        raise AlreadyReversed from error
    if wanted.pending_id is not None:
        resolution = Transfer.objects.filter(pending_id=wanted.pending_id).first()
        if resolution is not None:
            if resolution.phase == wanted.phase:
                return resolution
            raise _already_resolved(resolution) from error
    raise error


def _already_resolved(resolution: Transfer) -> AlreadyResolved:
    if resolution.phase == Phase.POST:
        return AlreadyResolved(_("This hold has already been confirmed."))
    return AlreadyResolved(_("This hold has already been cancelled."))


# --- Whose transaction ----------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def durable_transfer(service: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic(durable=True)`` for the services whose one write is a single
    transfer, without Django's transaction round trips on the hot path.

    Like a durable atomic block, the service refuses to run inside anyone's transaction (an
    outer ``atomic`` would otherwise make it part of a bigger transaction without saying so):
    callers that need that call its ``_within`` twin. The service then records its transfer
    with ``record_alone``, which is its own transaction. A test case's transaction counts as no
    transaction, as it does for ``durable=True``.
    """
    name = service.__name__

    def in_its_own_transaction(*args: P.args, **kwargs: P.kwargs) -> R:
        blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
        if blocks and not getattr(blocks[-1], "_from_testcase", False):
            raise RuntimeError(
                f"{name} runs in a transaction of its own and cannot be nested within another "
                f"atomic block; inside a transaction, call {name}_within."
            )
        return service(*args, **kwargs)

    # Named and documented as the service, with no way back to the undecorated function, so
    # that nothing steps around the check.
    in_its_own_transaction.__name__ = name
    in_its_own_transaction.__qualname__ = service.__qualname__
    in_its_own_transaction.__doc__ = service.__doc__
    in_its_own_transaction.__module__ = service.__module__
    return in_its_own_transaction


def record_alone(transfer: Transfer) -> Transfer:
    """Record one transfer as its own transaction (for ``durable_transfer`` services). Outside
    any transaction, as a web request calls it, that is one autocommitted statement on
    PostgreSQL and one short IMMEDIATE transaction on SQLite's driver; anywhere else (a test
    case's transaction, another back-end) a durable atomic block."""
    db = connections[DEFAULT_DB_ALIAS]
    try:
        if not db.in_atomic_block and db.get_autocommit():
            if db.vendor == "postgresql":
                return _record_alone_postgresql(transfer, db)
            if db.vendor == "sqlite":
                return _record_alone_sqlite(transfer, db)
        with transaction.atomic(durable=True):
            return insert_and_move(transfer)
    except IntegrityError as error:
        return _after_integrity_error(transfer, error)


@requires_transaction
def record_within(transfer: Transfer) -> Transfer:
    """Record one transfer in the caller's transaction (for ``_within`` services), in a
    savepoint: a refused transfer or a repeated key undoes only this transfer, and the caller
    may carry on (the demo does) or let the refusal roll everything back."""
    try:
        with transaction.atomic():
            return insert_and_move(transfer)
    except IntegrityError as error:
        return _after_integrity_error(transfer, error)


# --- What the services share ----------------------------------------------------------------------


def too_much(most: int, *, by_rule: bool = False) -> InvalidTransfer:
    """The refusal of a transfer above ``LEDGER_MAX_TRANSFER_MINUTES`` (``most``)."""
    values = {"most": minutes_display(most)}
    if by_rule:
        return InvalidTransfer(
            _(
                "Under the credit rule that time earns more than one transfer can move "
                "(%(most)s). Record the time in smaller parts."
            )
            % values
        )
    return InvalidTransfer(
        _("One transfer can move at most %(most)s. Record a larger amount in smaller parts.")
        % values
    )


def organisation_account(organisation: Organisation) -> Account:
    """Find or open a partner organisation's account (floor 0): for the opener, and for the
    transfer services given the not-yet-open account that ``selectors.party_account`` names."""
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.ORGANISATION,
        organisation=organisation,
        defaults={"community_id": organisation.community_id, "floor": 0},
    )
    return account


# --- Batches --------------------------------------------------------------------------------------


def lock_accounts(account_ids: set[int]) -> None:
    """Lock every account a batch touches, in primary-key order, before moving any counter."""
    rows = Account.objects.filter(pk__in=account_ids).order_by("pk")
    if connection.features.has_select_for_no_key_update:
        rows = rows.select_for_update(no_key=True)
    else:
        rows = rows.select_for_update()
    list(rows.values_list("pk", flat=True))


def existing_batch(transfers: list[Transfer]) -> list[Transfer] | None:
    """If this batch was recorded before under the same keys, return it; mixed keys conflict."""
    keyed = [t for t in transfers if t.idempotency_key is not None]
    if not keyed:
        return None
    found: dict[tuple[int, uuid.UUID], Transfer] = {}
    for transfer in keyed:
        existing = existing_for_key(transfer.community_id, transfer.idempotency_key)
        if existing is not None:
            found[(transfer.community_id, existing.idempotency_key)] = existing  # type: ignore[index]
    if not found:
        return None
    if len(found) != len(keyed) or len(keyed) != len(transfers):
        raise IdempotencyConflict
    return [
        same_or_conflict(found[(t.community_id, t.idempotency_key)], t)  # type: ignore[index]
        for t in transfers
    ]


@requires_transaction
def record_batch_within(transfers: list[Transfer]) -> list[Transfer]:
    """Every transfer or none, in a savepoint of the caller's transaction, with every account
    locked first; a batch recorded before under the same keys is the answer instead."""
    try:
        with transaction.atomic():
            existing = existing_batch(transfers)
            if existing is not None:
                return existing
            lock_accounts({t.debit_id for t in transfers} | {t.credit_id for t in transfers})
            return [insert_and_move(transfer) for transfer in transfers]
    except IntegrityError as error:
        for transfer in transfers:
            transfer.pk = None
        existing = existing_batch(transfers)
        if existing is None:
            raise error from None
        return existing
