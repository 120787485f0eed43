"""Every write to the ledger. Nothing else creates transfers or touches account counters.

Public services open their own durable transaction. Limits are enforced by a conditional
UPDATE (``… WHERE floor <= balance after``); zero rows updated means the transfer is refused.
Accounts are updated in primary-key order so two transfers never wait on each other in a cycle.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.ledger import permissions
from coproduce.ledger.errors import (
    AccountNotAllowed,
    AlreadyResolved,
    AlreadyReversed,
    IdempotencyConflict,
    InvalidTransfer,
    LimitExceeded,
    LinkUnavailable,
    NotPending,
    NotReversible,
)
from coproduce.ledger.models import (
    MINUTES_BOUND,
    Account,
    AccountLimitChange,
    CommunityLink,
    CreditRule,
    Transfer,
)
from coproduce.ledger.rules import PER_MILLE, RuleTerms, credits_for
from coproduce.ledger.templatetags.ledger import minutes_display
from coproduce.people.models import User

Phase = Transfer.Phase
Kind = Transfer.Kind
_KINDS = frozenset(Kind.values)

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


# --- Opening accounts -------------------------------------------------------------------------


def community_accounts_open(*, community: Community) -> None:
    """The community's own accounts and its default 1:1 credit rule. Idempotent; not durable."""
    Account.objects.get_or_create(
        community=community,
        kind=Account.Kind.ISSUANCE,
        defaults={"floor": None if community.uses_issued_credits else 0},
    )
    Account.objects.get_or_create(community=community, kind=Account.Kind.POT, defaults={"floor": 0})
    if not CreditRule.objects.filter(community=community).exists():
        CreditRule.objects.get_or_create(
            community=community,
            version=1,
            defaults={
                "starts_at": DEFAULT_RULE_STARTS_AT,
                "note": _("One hour given earns one hour of credit, whatever the help."),
            },
        )


def _bounded(limit: int | None) -> int | None:
    """A community default beyond a million hours is as good as no limit, but the account keeps
    a bound (every limit stays within MINUTES_BOUND)."""
    if limit is None:
        return None
    return max(-MINUTES_BOUND, min(limit, MINUTES_BOUND))


def _member_floor(community: Community) -> int | None:
    if not community.uses_mutual_credit:
        return 0
    return _bounded(community.default_floor_minutes)


def member_account_open(*, membership: Membership) -> Account:
    """Open (or find) the account of a member who has just become active.

    Runs inside the caller's transaction (joining, approval, invitation), so it is not durable.
    """
    community = membership.community
    community_accounts_open(community=community)
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.MEMBER,
        membership=membership,
        defaults={
            "community": community,
            "floor": _member_floor(community),
            "ceiling": _bounded(community.default_ceiling_minutes),
        },
    )
    return account


def organisation_account_open(*, organisation: Organisation) -> Account:
    """A partner's account: it receives credits members spend there, and never goes below 0."""
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.ORGANISATION,
        organisation=organisation,
        defaults={"community_id": organisation.community_id, "floor": 0},
    )
    return account


# --- The engine: insert a transfer row, then move the counters ----------------------------------


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


# What transfer_record validates: Model.clean_fields on the fields that are not relations. A
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
    """transfer_record as one autocommitted statement: its own transaction, like a durable
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
    """transfer_record in its own short IMMEDIATE transaction on the driver's connection, as a
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


def _existing_for_key(community_id: int, key: uuid.UUID | None) -> Transfer | None:
    if key is None:
        return None
    return Transfer.objects.filter(community_id=community_id, idempotency_key=key).first()


def _same_or_conflict(existing: Transfer, wanted: Transfer) -> Transfer:
    if _content(existing) != _content(wanted):
        raise IdempotencyConflict
    return existing


def transfer_record(transfer: Transfer) -> Transfer:
    """Insert the row first (its unique keys settle retries and double resolutions), then move
    the counters (on PostgreSQL in the same statement). Runs inside the caller's transaction;
    public services wrap it durably."""
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
    existing = _existing_for_key(wanted.community_id, wanted.idempotency_key)
    if existing is not None:
        return _same_or_conflict(existing, wanted)
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


def _own_or_savepoint() -> transaction.Atomic:
    """Durable when the ledger opens the transaction; a savepoint when another app's service
    (recording an exchange with its transfer) already holds one, so both commit together and a
    refused row rolls back only the savepoint."""
    return transaction.atomic(durable=not connection.in_atomic_block)


def _record_durably(transfer: Transfer) -> Transfer:
    db = connections[DEFAULT_DB_ALIAS]
    if not db.in_atomic_block and db.get_autocommit():
        # Not inside anyone's transaction: the single transfer is its own transaction.
        if db.vendor == "postgresql":
            return _record_alone_postgresql(transfer, db)
        if db.vendor == "sqlite":
            return _record_alone_sqlite(transfer, db)
    with _own_or_savepoint():
        return transfer_record(transfer)


def _record_once(transfer: Transfer) -> Transfer:
    try:
        return _record_durably(transfer)
    except IntegrityError as error:
        transfer.pk = None
        return _after_integrity_error(transfer, error)


# --- Credit rules --------------------------------------------------------------------------------


def _terms(rule: CreditRule) -> RuleTerms:
    return RuleTerms(
        out_of_hours_per_mille=rule.out_of_hours_per_mille,
        window_start=rule.window_start,
        window_end=rule.window_end,
        category_per_mille={str(k): int(v) for k, v in rule.category_per_mille.items()},
        stacking=rule.stacking,
    )


def credit_rule_in_force(*, community_id: int, at: datetime) -> CreditRule | None:
    return (
        CreditRule.objects.filter(community_id=community_id, starts_at__lte=at)
        .order_by("-starts_at", "-version")
        .first()
    )


def _apply_rule(transfer: Transfer, community: Community) -> None:
    assert transfer.minutes_given is not None  # noqa: S101 - callers check
    at = transfer.given_at or timezone.now()
    rule = credit_rule_in_force(community_id=community.pk, at=at)
    local_start = None
    if transfer.given_at is not None:
        local_start = timezone.localtime(transfer.given_at, zoneinfo.ZoneInfo(community.timezone))
    terms = _terms(rule) if rule is not None else RuleTerms()
    transfer.credit_rule = rule
    transfer.minutes = credits_for(
        terms,
        minutes_given=transfer.minutes_given,
        category=transfer.category,
        local_start=local_start,
    )
    if transfer.minutes <= 0:
        raise InvalidTransfer(_("That is too little time to earn any credit."))


# --- Transfers -----------------------------------------------------------------------------------


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


def transfer_build(
    *,
    actor: Membership | None,
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
) -> Transfer:
    if debit.community_id != credit.community_id:
        raise InvalidTransfer(_("Both accounts must be in the same community."))
    if actor is not None and debit.community_id != actor.community_id:
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
        raise _too_much(most)
    if given_at is not None and timezone.is_naive(given_at):
        # A time without an offset is the community's local time.
        community = actor.community if actor is not None else debit.community
        given_at = timezone.make_aware(given_at, zoneinfo.ZoneInfo(community.timezone))
    if given_at is not None and not _given_at_plausible(given_at):
        raise InvalidTransfer(
            _("Say when the time was given: a date from the year 2000 up to today.")
        )
    if for_member is not None and for_member.community_id != debit.community_id:
        raise InvalidTransfer(_("The person it was for must be in this community."))
    transfer = _new_transfer(
        {
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
            "operator_id": actor.pk if actor is not None else None,
            "for_member_id": for_member.pk if for_member is not None else None,
            "cause_type": cause_type,
            "cause_id": cause_id,
            "batch_id": batch_id,
        },
        debit=debit,
        credit=credit,
        operator=actor,
        for_member=for_member,
    )
    if minutes_given is not None:
        if minutes_given <= 0:
            raise InvalidTransfer(_("The time given must be more than zero."))
        _apply_rule(transfer, actor.community if actor is not None else debit.community)
        if transfer.minutes > most:
            raise _too_much(most, by_rule=True)
    elif transfer.minutes <= 0:
        raise InvalidTransfer(_("The credits must be more than zero."))
    return transfer


def _too_much(most: int, *, by_rule: bool = False) -> InvalidTransfer:
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


# The earliest time given that the ledger accepts (the default rule's start), and how far ahead
# of now a time given may be (the community's day can start before the server's).
_GIVEN_AT_SLACK = timedelta(days=2)


def _given_at_plausible(given_at: datetime) -> bool:
    return DEFAULT_RULE_STARTS_AT <= given_at <= timezone.now() + _GIVEN_AT_SLACK


def _check_may_move(
    actor: Membership, debit: Account, credit: Account, kind: str, *, hold: bool
) -> None:
    """Who may move credits from ``debit`` (PermissionDenied), and which accounts the generic
    services move at all (AccountNotAllowed: the community's own accounts have their own)."""
    if hold:
        if not permissions.can_hold_from(actor, debit, credit, kind):
            raise PermissionDenied
    elif not permissions.can_transfer_from(actor, debit, kind):
        raise PermissionDenied
    reason = permissions.account_refusal(actor, debit, credit, kind)
    if reason is not None:
        raise AccountNotAllowed(reason, actor=actor)


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
    _check_may_move(actor, debit, credit, kind, hold=False)
    transfer = transfer_build(
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
    return _record_once(transfer)


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
    _check_may_move(actor, debit, credit, kind, hold=True)
    transfer = transfer_build(
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
    return _record_once(transfer)


def _resolve(
    *, actor: Membership, hold: Transfer, phase: str, idempotency_key: uuid.UUID | None, memo: str
) -> Transfer:
    if hold.community_id != actor.community_id:
        raise InvalidTransfer(_("This transfer is not in your community."))
    if not permissions.can_resolve_hold(actor, hold, phase=phase):
        raise PermissionDenied
    if hold.phase != Phase.PENDING:
        raise NotPending
    resolution = Transfer(
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
    return _record_once(resolution)


def transfer_post(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """Confirm a hold: its credits move for good. Posting twice returns the first posting."""
    return _resolve(
        actor=actor, hold=transfer, phase=Phase.POST, idempotency_key=idempotency_key, memo=memo
    )


def transfer_void(
    *,
    actor: Membership,
    transfer: Transfer,
    idempotency_key: uuid.UUID | None = None,
    memo: str = "",
) -> Transfer:
    """Cancel a hold: its credits are released. Voiding twice returns the first voiding."""
    return _resolve(
        actor=actor, hold=transfer, phase=Phase.VOID, idempotency_key=idempotency_key, memo=memo
    )


def transfer_post_automatically(*, transfer: Transfer, memo: str = "") -> Transfer:
    """Confirm an exchange hold nobody answered in time (the community's auto-confirm days).

    No person acts, so the posting has no operator. Only exchange holds qualify.
    """
    if transfer.kind != Kind.EXCHANGE:
        raise InvalidTransfer(_("Only exchanges are confirmed automatically."))
    if transfer.phase != Phase.PENDING:
        raise NotPending
    resolution = Transfer(
        community_id=transfer.community_id,
        debit_id=transfer.debit_id,
        credit_id=transfer.credit_id,
        minutes=transfer.minutes,
        kind=transfer.kind,
        phase=Phase.POST,
        pending=transfer,
        memo=memo,
        operator=None,
        for_member_id=transfer.for_member_id,
        batch_id=transfer.batch_id,
    )
    return _record_once(resolution)


def reversal_of(
    transfer: Transfer,
    *,
    actor: Membership | None,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Transfer:
    """The (unsaved) transfer that undoes ``transfer``: same minutes, the other way."""
    return Transfer(
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
    reversal = reversal_of(transfer, actor=actor, memo=memo, idempotency_key=idempotency_key)
    existing = _existing_for_key(transfer.community_id, idempotency_key)
    if existing is not None:
        return _same_or_conflict(existing, reversal)
    done = Transfer.objects.filter(reverses=transfer).first()
    if done is None:
        return _record_once(reversal)
    if idempotency_key is not None and done.idempotency_key == idempotency_key:
        # A retry with this key finished between the two reads above: the same answer.
        return _same_or_conflict(done, reversal)
    raise AlreadyReversed


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


def _lock_accounts(account_ids: set[int]) -> None:
    """Lock every account a batch touches, in primary-key order, before moving any counter."""
    rows = Account.objects.filter(pk__in=account_ids).order_by("pk")
    if connection.features.has_select_for_no_key_update:
        rows = rows.select_for_update(no_key=True)
    else:
        rows = rows.select_for_update()
    list(rows.values_list("pk", flat=True))


def _existing_batch(transfers: list[Transfer]) -> list[Transfer] | None:
    """If this batch was recorded before under the same keys, return it; mixed keys conflict."""
    keyed = [t for t in transfers if t.idempotency_key is not None]
    if not keyed:
        return None
    found: dict[tuple[int, uuid.UUID], Transfer] = {}
    for transfer in keyed:
        existing = _existing_for_key(transfer.community_id, transfer.idempotency_key)
        if existing is not None:
            found[(transfer.community_id, existing.idempotency_key)] = existing  # type: ignore[index]
    if not found:
        return None
    if len(found) != len(keyed) or len(keyed) != len(transfers):
        raise IdempotencyConflict
    return [
        _same_or_conflict(found[(t.community_id, t.idempotency_key)], t)  # type: ignore[index]
        for t in transfers
    ]


def _record_batch_durably(transfers: list[Transfer]) -> list[Transfer]:
    with _own_or_savepoint():
        existing = _existing_batch(transfers)
        if existing is not None:
            return existing
        _lock_accounts({t.debit_id for t in transfers} | {t.credit_id for t in transfers})
        return [transfer_record(transfer) for transfer in transfers]


def _record_batch_once(transfers: list[Transfer]) -> list[Transfer]:
    try:
        return _record_batch_durably(transfers)
    except IntegrityError as error:
        for transfer in transfers:
            transfer.pk = None
        existing = _existing_batch(transfers)
        if existing is None:
            raise error from None
        return existing


def transfer_batch_create(
    *, actor: Membership, legs: Sequence[TransferLeg], batch_id: uuid.UUID | None = None
) -> list[Transfer]:
    """Several transfers in one transaction: all are recorded, or none is."""
    if not legs:
        raise InvalidTransfer(_("A batch needs at least one transfer."))
    batch_id = batch_id or uuid.uuid4()
    transfers = []
    for leg in legs:
        _check_may_move(actor, leg.debit, leg.credit, leg.kind, hold=False)
        transfers.append(
            transfer_build(
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
        )
    return _record_batch_once(transfers)


# --- Limits --------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def account_limits_set(
    *, actor: Membership, account: Account, floor: int | None, ceiling: int | None, reason: str = ""
) -> Account:
    """Change an account's floor or ceiling (None = no limit). Every change is logged."""
    if account.community_id != actor.community_id:
        raise InvalidTransfer(_("This account is not in your community."))
    if not permissions.can_manage_ledger(actor):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if floor is not None and floor > 0:
        errors["floor"] = _("The lowest balance can't be above 0:00.")
    if ceiling is not None and ceiling < 0:
        errors["ceiling"] = _("The highest balance can't be below 0:00.")
    bound = {"most": minutes_display(MINUTES_BOUND)}
    if floor is not None and floor < -MINUTES_BOUND:
        errors["floor"] = (
            _("The lowest balance can be at most %(most)s below zero. Leave it empty for no limit.")
            % bound
        )
    if ceiling is not None and ceiling > MINUTES_BOUND:
        errors["ceiling"] = (
            _("The highest balance can be at most %(most)s. Leave it empty for no limit.") % bound
        )
    if errors:
        raise ValidationError(errors)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if floor is not None and locked.available < floor:
        raise ValidationError(
            {"floor": _("The balance (with holds) is already below that. Choose a lower floor.")}
        )
    if (
        ceiling is not None
        and locked.credits_posted + locked.credits_pending - locked.debits_posted > ceiling
    ):
        raise ValidationError(
            {
                "ceiling": _(
                    "The balance (with holds) is already above that. Choose a higher ceiling."
                )
            }
        )
    AccountLimitChange.objects.create(
        community_id=locked.community_id,
        account=locked,
        changed_by=actor,
        old_floor=locked.floor,
        new_floor=floor,
        old_ceiling=locked.ceiling,
        new_ceiling=ceiling,
        reason=reason,
    )
    # Limits are settings, not counters; the counters are untouched.
    Account.objects.filter(pk=locked.pk).update(floor=floor, ceiling=ceiling)
    locked.floor = floor
    locked.ceiling = ceiling
    return locked


# --- Credit rules --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def credit_rule_create(
    *,
    actor: Membership,
    starts_at: datetime | None = None,
    out_of_hours_per_mille: int = PER_MILLE,
    window_start: time = time(9, 0),
    window_end: time = time(17, 0),
    category_per_mille: dict[str, int] | None = None,
    stacking: str = CreditRule.Stacking.MULTIPLY,
    note: str = "",
) -> CreditRule:
    """Add a new version of the community's credit rule; it applies from ``starts_at``."""
    if not permissions.can_manage_ledger(actor):
        raise PermissionDenied
    now = timezone.now()
    starts_at = starts_at or now
    if starts_at < now - timedelta(minutes=5):
        raise ValidationError({"starts_at": _("A new rule can't start in the past.")})
    if window_start >= window_end:
        raise ValidationError({"window_end": _("Usual hours must end after they start.")})
    categories = {k.strip().lower(): int(v) for k, v in (category_per_mille or {}).items()}
    if any(v < 1 for v in categories.values()) or out_of_hours_per_mille < 1:
        raise ValidationError(_("Every multiplier must be more than zero."))
    community = Community.objects.select_for_update().get(pk=actor.community_id)
    last = CreditRule.objects.filter(community=community).order_by("-version").first()
    rule = CreditRule(
        community=community,
        version=(last.version + 1) if last is not None else 1,
        starts_at=starts_at,
        out_of_hours_per_mille=out_of_hours_per_mille,
        window_start=window_start,
        window_end=window_end,
        category_per_mille=categories,
        stacking=stacking,
        note=note,
        created_by=actor,
    )
    rule.full_clean()
    rule.save()
    return rule


# --- Links between communities -------------------------------------------------------------------


@transaction.atomic(durable=True)
def community_link_create(
    *, actor: Membership, partner_slug: str, limit_to_partner: int, limit_from_partner: int
) -> CommunityLink:
    """Propose a link; the partner's coordinators accept it before anyone can give across."""
    if not permissions.can_manage_ledger(actor):
        raise PermissionDenied
    partner = Community.objects.filter(slug=partner_slug).first()
    if partner is None or partner.pk == actor.community_id:
        raise ValidationError(
            {"partner_slug": _("There is no other community with that web address name.")}
        )
    too_high = _("A limit can be at most %(most)s.") % {"most": minutes_display(MINUTES_BOUND)}
    limits = {"limit_to_partner": limit_to_partner, "limit_from_partner": limit_from_partner}
    if any(value > MINUTES_BOUND for value in limits.values()):
        raise ValidationError(
            {name: too_high for name, value in limits.items() if value > MINUTES_BOUND}
        )
    if CommunityLink.objects.filter(
        Q(community_id=actor.community_id, partner=partner)
        | Q(community=partner, partner_id=actor.community_id)
    ).exists():
        raise ValidationError({"partner_slug": _("There is already a link with that community.")})
    link = CommunityLink(
        community_id=actor.community_id,
        partner=partner,
        limit_to_partner=limit_to_partner,
        limit_from_partner=limit_from_partner,
        created_by=actor,
    )
    link.full_clean()
    link.save()
    return link


def _clearing_open(*, community_id: int, partner_id: int, floor: int, ceiling: int) -> Account:
    account, _created = Account.objects.get_or_create(
        community_id=community_id,
        kind=Account.Kind.CLEARING,
        partner_id=partner_id,
        defaults={"floor": floor, "ceiling": ceiling},
    )
    return account


@transaction.atomic(durable=True)
def community_link_accept(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    """The partner agrees: each side gets a clearing account limited by the agreed amounts."""
    if not permissions.can_manage_ledger(actor) or link.partner_id != actor.community_id:
        raise PermissionDenied
    link = CommunityLink.objects.select_for_update().get(pk=link.pk)
    if link.status != CommunityLink.Status.PROPOSED:
        return link
    for side, other in ((link.community_id, link.partner_id), (link.partner_id, link.community_id)):
        # The clearing account on a side goes up as credits leave that side, down as they arrive.
        _clearing_open(
            community_id=side,
            partner_id=other,
            floor=-link.limit_to(side),
            ceiling=link.limit_from(side),
        )
    link.status = CommunityLink.Status.ACTIVE
    link.accepted_at = link.status_changed_at = timezone.now()
    link.status_changed_by = actor
    link.save(update_fields=["status", "accepted_at", "status_changed_at", "status_changed_by"])
    return link


def _link_status_set(*, actor: Membership, link: CommunityLink, status: str) -> CommunityLink:
    if not permissions.can_manage_ledger(actor) or actor.community_id not in (
        link.community_id,
        link.partner_id,
    ):
        raise PermissionDenied
    link = CommunityLink.objects.select_for_update().get(pk=link.pk)
    if link.status == CommunityLink.Status.PROPOSED:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    link.status = status
    link.status_changed_at = timezone.now()
    link.status_changed_by = actor
    link.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    return link


@transaction.atomic(durable=True)
def community_link_pause(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    """Either side may pause: no credits cross until it is resumed."""
    return _link_status_set(actor=actor, link=link, status=CommunityLink.Status.PAUSED)


@transaction.atomic(durable=True)
def community_link_resume(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    return _link_status_set(actor=actor, link=link, status=CommunityLink.Status.ACTIVE)


@transaction.atomic(durable=True)
def _inter_community_durably(
    *, link_id: int, leaving: Transfer, arriving: Transfer
) -> list[Transfer]:
    existing = _existing_batch([leaving])
    if existing is not None:
        return list(Transfer.objects.filter(batch_id=existing[0].batch_id).order_by("pk"))
    rows = CommunityLink.objects.filter(pk=link_id)
    if connection.features.has_select_for_no_key_update:
        rows = rows.select_for_update(no_key=True)
    link = rows.get()
    if link.status != CommunityLink.Status.ACTIVE:
        raise LinkUnavailable(_("Giving to this community is paused at the moment."))
    _lock_accounts({leaving.debit_id, leaving.credit_id, arriving.debit_id, arriving.credit_id})
    return [transfer_record(leaving), transfer_record(arriving)]


def community_link_check_open(*, actor: Membership, link: CommunityLink) -> None:
    """Refuse unless ``actor`` may give across ``link`` now: an active member of either side,
    on a link both sides agreed and nobody paused. Pages call it before they look anyone up in
    the other community, so a link that was never agreed tells nobody who is a member there."""
    if not permissions.can_give_across(actor, link):
        raise PermissionDenied
    if link.status == CommunityLink.Status.PROPOSED:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    if link.status != CommunityLink.Status.ACTIVE:
        raise LinkUnavailable(_("Giving to this community is paused at the moment."))


def inter_community_transfer_create(
    *,
    actor: Membership,
    link: CommunityLink,
    recipient: Membership,
    minutes: int,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> list[Transfer]:
    """Give some of your credits to someone in a linked community.

    Two legs share a batch and a transaction: you → your community's clearing account for the
    partner, and the partner's clearing account for your community → the recipient.
    """
    community_link_check_open(actor=actor, link=link)
    other_id = link.partner_id if actor.community_id == link.community_id else link.community_id
    if recipient.community_id != other_id or not recipient.is_active:
        raise InvalidTransfer(_("The person must be an active member of the partner community."))
    if minutes <= 0:
        raise InvalidTransfer(_("The credits must be more than zero."))
    if minutes > settings.LEDGER_MAX_TRANSFER_MINUTES:
        raise _too_much(settings.LEDGER_MAX_TRANSFER_MINUTES)
    giver = Account.objects.get(kind=Account.Kind.MEMBER, membership=actor)
    receiver = Account.objects.filter(kind=Account.Kind.MEMBER, membership=recipient).first()
    clearing_here = Account.objects.filter(
        kind=Account.Kind.CLEARING, community_id=actor.community_id, partner_id=other_id
    ).first()
    clearing_there = Account.objects.filter(
        kind=Account.Kind.CLEARING, community_id=other_id, partner_id=actor.community_id
    ).first()
    if receiver is None or clearing_here is None or clearing_there is None:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    batch_id = uuid.uuid4()
    common = {
        "kind": Kind.INTER_COMMUNITY,
        "phase": Phase.POSTED,
        "minutes": minutes,
        "memo": memo,
        "idempotency_key": idempotency_key,
        "batch_id": batch_id,
        "operator": actor,
    }
    leaving = Transfer(
        community_id=actor.community_id,
        debit=giver,
        credit=clearing_here,
        for_member=actor,
        **common,
    )
    arriving = Transfer(
        community_id=other_id,
        debit=clearing_there,
        credit=receiver,
        for_member=recipient,
        **common,
    )
    try:
        return _inter_community_durably(link_id=link.pk, leaving=leaving, arriving=arriving)
    except IntegrityError as error:
        leaving.pk = arriving.pk = None
        existing = _existing_batch([leaving])
        if existing is None:
            raise error from None
        return list(Transfer.objects.filter(batch_id=existing[0].batch_id).order_by("pk"))


# --- Parties: what forms and the API name instead of raw account numbers --------------------------


def party_account(*, actor: Membership, party: str) -> Account:
    """Find (opening for partners if needed) the account a form or API names.

    ``party`` is "member:<id>", "organisation:<id>", "account:<id>", "pot" or "issuance".
    Accounts in other communities are never found.
    """
    community_id = actor.community_id
    kind, _sep, ident = party.partition(":")
    if kind in (Account.Kind.POT, Account.Kind.ISSUANCE):
        account = Account.objects.filter(community_id=community_id, kind=kind).first()
    elif kind == "member" and ident.isdigit():
        account = Account.objects.filter(
            community_id=community_id, kind=Account.Kind.MEMBER, membership_id=int(ident)
        ).first()
    elif kind == "account" and ident.isdigit():
        account = Account.objects.filter(community_id=community_id, pk=int(ident)).first()
    elif kind == "organisation" and ident.isdigit():
        organisation = Organisation.objects.filter(community_id=community_id, pk=int(ident)).first()
        account = organisation_account_open(organisation=organisation) if organisation else None
    else:
        account = None
    if account is None:
        raise InvalidTransfer(_("We couldn't find that account in this community."))
    return account
