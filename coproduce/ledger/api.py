"""API for time credits: transfers (with an Idempotency-Key header), holds, balances, statements.

Every path is scoped by the community slug; another community's objects answer 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Header

from coproduce.api.errors import ApiError, ErrorResponse
from coproduce.api.schema import (
    BodyInt,
    BoundedDate,
    BoundedDatetime,
    IntQuery,
    Pagination,
    ParamInt,
)
from coproduce.communities.acting import acting_membership
from coproduce.communities.models import Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.edge.schema import WholeMinutes
from coproduce.ledger import permissions, selectors, services
from coproduce.ledger.models import Account, Transfer

router = Router(tags=["time credits"])
ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
WRITE_ERRORS = {**ERRORS, 409: ErrorResponse, 422: ErrorResponse}

IDEMPOTENCY_HELP = (
    "A UUID you make for this request. Sending it again with the same content returns the same "
    "transfer; with other content the answer is 409 idempotency_conflict."
)
IdempotencyKey = Annotated[
    uuid.UUID, Header(..., alias="Idempotency-Key", description=IDEMPOTENCY_HELP)
]
OptionalIdempotencyKey = Annotated[
    uuid.UUID | None, Header(None, alias="Idempotency-Key", description=IDEMPOTENCY_HELP)
]


class AccountOut(Schema):
    id: int
    kind: str
    name: str = Field(..., description="Who holds the account")
    balance: int = Field(..., description="Posted balance in minutes")
    available: int = Field(..., description="Balance less holds to pay, in minutes")
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int
    floor: int | None = Field(None, description="Lowest balance allowed; null = no limit")
    ceiling: int | None = Field(None, description="Highest balance allowed; null = no limit")

    @staticmethod
    def resolve_name(obj: Account) -> str:
        return str(obj.owner_name)


class TransferOut(Schema):
    id: int
    kind: str
    phase: str = Field(..., description="posted, pending (a hold), post or void (answering a hold)")
    debit_account: int = Field(..., alias="debit_id")
    credit_account: int = Field(..., alias="credit_id")
    minutes: int = Field(..., description="Credits moved, in minutes")
    minutes_given: int | None = Field(None, description="Time given, when a credit rule applied")
    category: str
    credit_rule_version: int | None = None
    memo: str
    pending: int | None = Field(None, alias="pending_id")
    reverses: int | None = Field(None, alias="reverses_id")
    batch_id: uuid.UUID | None
    idempotency_key: uuid.UUID | None
    for_member: int | None = Field(None, alias="for_member_id")
    operator: int | None = Field(None, alias="operator_id")
    created_at: datetime

    @staticmethod
    def resolve_credit_rule_version(obj: Transfer) -> int | None:
        return obj.credit_rule.version if obj.credit_rule_id and obj.credit_rule else None


class TransferIn(Schema):
    debit_account: BodyInt = Field(..., description="Account the credits come from")
    credit_account: BodyInt = Field(..., description="Account the credits go to")
    kind: Transfer.Kind
    # The most one transfer moves (LEDGER_MAX_TRANSFER_MINUTES) is checked by the services, as
    # for the pages: the refusal says to record a larger amount in parts.
    minutes: Annotated[int, WholeMinutes()] | None = Field(
        None, description="Credits to move; or give minutes_given"
    )
    minutes_given: Annotated[int, WholeMinutes()] | None = Field(
        None, description="Time given; the community's credit rule computes the credits"
    )
    category: str = Field("", max_length=60, description="Kind of help, for the credit rule")
    given_at: BoundedDatetime | None = Field(
        None, description="When the time was given, for the rule"
    )
    memo: str = Field("", max_length=500)
    for_member: BodyInt | None = Field(None, description="Membership the transfer was for")
    cause_type: str = Field("", max_length=60)
    cause_id: BodyInt | None = None


class ResolveIn(Schema):
    memo: str = Field("", max_length=500)


class StatementLineOut(Schema):
    transfer: TransferOut
    change: int = Field(..., description="Minutes in (positive) or out (negative)")
    balance: int = Field(..., description="Balance after this transfer, in minutes")


class StatementOut(Schema):
    account: AccountOut
    opening: int = Field(..., description="Balance before the first line, in minutes")
    closing: int
    lines: list[StatementLineOut]
    holds: list[TransferOut]


class StatementFilter(Schema):
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None
    kind: list[Transfer.Kind] = Field(default_factory=list)


class BalanceOut(Schema):
    account: AccountOut
    can_give_now: int | None = Field(
        ...,
        description=(
            "The most you can give now, in minutes: your balance less holds, down to your "
            "lowest balance allowed; null = no limit"
        ),
    )
    as_of: datetime | None = None
    balance_as_of: int | None = Field(None, description="Posted balance at as_of, in minutes")


def _account(actor: Membership, pk: int) -> Account:
    return selectors.party_account(actor=actor, party=f"account:{pk}")


def _member(actor: Membership, pk: int | None) -> Membership | None:
    if pk is None:
        return None
    member = Membership.objects.filter(community_id=actor.community_id, pk=pk).first()
    if member is None:
        raise ApiError(
            400, "invalid", "That member is not in this community.", {"for_member": ["Not found."]}
        )
    return member


def _transfer(actor: Membership, pk: int) -> Transfer:
    return selectors.transfer_get(actor=actor, pk=pk)


@router.get(
    "/communities/{community}/balance", response={200: BalanceOut, **ERRORS}, summary="My balance"
)
def my_balance(
    request: HttpRequest, community: str, as_of: BoundedDatetime | None = None
) -> dict[str, object]:
    actor = acting_membership(request, community)
    account = selectors.my_account(actor=actor)
    balance = None
    if as_of is not None:
        balance = selectors.balance_as_of(actor=actor, account=account, at=as_of)
    return {
        "account": account,
        "can_give_now": account.most_can_pay,
        "as_of": as_of,
        "balance_as_of": balance,
    }


@router.get(
    "/communities/{community}/accounts",
    response={200: list[AccountOut], **ERRORS},
    summary="Accounts: all of them for coordinators, your own for members",
)
@paginate(Pagination)
def account_list(request: HttpRequest, community: str) -> list[Account]:
    actor = acting_membership(request, community)
    if can_coordinate(actor):
        return selectors.account_list(actor=actor)  # type: ignore[return-value]
    return [selectors.my_account(actor=actor)]


@router.get(
    "/communities/{community}/accounts/{account_id}",
    response={200: AccountOut, **ERRORS},
    summary="One account and its balance",
)
def account_detail(request: HttpRequest, community: str, account_id: ParamInt) -> Account:
    return selectors.account_get(actor=acting_membership(request, community), pk=account_id)


@router.get(
    "/communities/{community}/accounts/{account_id}/statement",
    response={200: StatementOut, **ERRORS},
    summary="Statement of an account: posted transfers with the running balance",
)
def account_statement(
    request: HttpRequest, community: str, account_id: ParamInt, filters: Query[StatementFilter]
) -> selectors.Statement:
    actor = acting_membership(request, community)
    account = selectors.account_get(actor=actor, pk=account_id)
    return selectors.statement(
        actor=actor,
        account=account,
        date_from=filters.date_from,
        date_to=filters.date_to,
        kinds=[str(kind) for kind in filters.kind],
    )


@router.get(
    "/communities/{community}/transfers",
    response={200: list[TransferOut], **ERRORS},
    summary="Transfers, newest first (members see only their own)",
)
@paginate(Pagination)
def transfer_list(
    request: HttpRequest,
    community: str,
    account: int | None = IntQuery(),
    kind: str = "",
    phase: str = "",
) -> list[Transfer]:
    actor = acting_membership(request, community)
    chosen = selectors.account_get(actor=actor, pk=account) if account is not None else None
    return selectors.transfer_list(  # type: ignore[return-value]
        actor=actor, account=chosen, kind=kind, phase=phase
    ).select_related("credit_rule")


def _create(
    request: HttpRequest, community: str, payload: TransferIn, key: uuid.UUID, *, hold: bool
) -> Status[Transfer]:
    actor = acting_membership(request, community)
    debit = _account(actor, payload.debit_account)
    if hold and not permissions.can_transfer_from(actor, debit, payload.kind):
        # A member's hold on another member's account belongs to an agreed exchange, where the
        # exchanges app records it; here members may only hold their own credits.
        raise PermissionDenied
    record = services.transfer_hold if hold else services.transfer_create
    transfer = record(
        actor=actor,
        debit=debit,
        credit=_account(actor, payload.credit_account),
        kind=payload.kind,
        minutes=payload.minutes,
        minutes_given=payload.minutes_given,
        category=payload.category,
        given_at=payload.given_at,
        memo=payload.memo,
        idempotency_key=key,
        for_member=_member(actor, payload.for_member),
        cause_type=payload.cause_type,
        cause_id=payload.cause_id,
    )
    return Status(201, transfer)


@router.post(
    "/communities/{community}/transfers",
    response={201: TransferOut, **WRITE_ERRORS},
    summary="Move credits now",
    description=(
        "Members may give from their own account (gift, donation, exchange, redemption); "
        "coordinators may move credits between any accounts of the community. "
        "A limit refusal answers 422 limit_exceeded with a plain message."
    ),
)
def transfer_create(
    request: HttpRequest,
    community: str,
    payload: TransferIn,
    idempotency_key: IdempotencyKey,
) -> Status[Transfer]:
    return _create(request, community, payload, idempotency_key, hold=False)


@router.post(
    "/communities/{community}/holds",
    response={201: TransferOut, **WRITE_ERRORS},
    summary="Put credits on hold until they are posted or voided",
)
def transfer_hold(
    request: HttpRequest,
    community: str,
    payload: TransferIn,
    idempotency_key: IdempotencyKey,
) -> Status[Transfer]:
    return _create(request, community, payload, idempotency_key, hold=True)


@router.get(
    "/communities/{community}/transfers/{transfer_id}",
    response={200: TransferOut, **ERRORS},
    summary="One transfer",
)
def transfer_detail(request: HttpRequest, community: str, transfer_id: ParamInt) -> Transfer:
    return _transfer(acting_membership(request, community), transfer_id)


@router.post(
    "/communities/{community}/transfers/{transfer_id}/post",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="Confirm a hold (posting twice returns the first posting)",
)
def transfer_post(
    request: HttpRequest,
    community: str,
    transfer_id: ParamInt,
    payload: ResolveIn | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
) -> Transfer:
    actor = acting_membership(request, community)
    return services.transfer_post(
        actor=actor,
        transfer=_transfer(actor, transfer_id),
        idempotency_key=idempotency_key,
        memo=payload.memo if payload else "",
    )


@router.post(
    "/communities/{community}/transfers/{transfer_id}/void",
    response={200: TransferOut, **WRITE_ERRORS},
    summary="Cancel a hold (voiding twice returns the first voiding)",
)
def transfer_void(
    request: HttpRequest,
    community: str,
    transfer_id: ParamInt,
    payload: ResolveIn | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
) -> Transfer:
    actor = acting_membership(request, community)
    return services.transfer_void(
        actor=actor,
        transfer=_transfer(actor, transfer_id),
        idempotency_key=idempotency_key,
        memo=payload.memo if payload else "",
    )


@router.post(
    "/communities/{community}/transfers/{transfer_id}/reverse",
    response={201: TransferOut, **WRITE_ERRORS},
    summary="Reverse a transfer with a new one the other way (once; coordinators)",
)
def transfer_reverse(
    request: HttpRequest,
    community: str,
    transfer_id: ParamInt,
    payload: ResolveIn | None = None,
    idempotency_key: OptionalIdempotencyKey = None,
) -> Status[Transfer]:
    actor = acting_membership(request, community)
    if not permissions.can_reverse(actor):
        raise PermissionDenied
    reversal = services.transfer_reverse(
        actor=actor,
        transfer=_transfer(actor, transfer_id),
        memo=payload.memo if payload else "",
        idempotency_key=idempotency_key,
    )
    return Status(201, reversal)
