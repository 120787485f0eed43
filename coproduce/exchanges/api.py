"""API for categories, listings, search and the exchange lifecycle, scoped by community slug."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from coproduce.api.errors import ApiError, ErrorResponse
from coproduce.api.schema import (
    BodyBool,
    BodyInt,
    BoundedDatetime,
    Limit,
    Offset,
    ParamInt,
    PatchIn,
)
from coproduce.communities.acting import acting_membership
from coproduce.communities.models import Membership
from coproduce.edge.schema import WholeMinutes
from coproduce.exchanges import selectors, services
from coproduce.exchanges.models import MAX_EXCHANGE_MINUTES, Exchange, ExchangeEvent, Listing

router = Router(tags=["exchanges"])
ERRORS = {
    400: ErrorResponse,
    401: ErrorResponse,
    403: ErrorResponse,
    404: ErrorResponse,
    409: ErrorResponse,
    422: ErrorResponse,
}
BASE = "/communities/{community}"


class CategoryOut(Schema):
    slug: str
    name: str = Field(..., alias="label")


class ListingOut(Schema):
    id: int
    kind: str
    category: str = Field(..., alias="category.slug")
    title: str
    description: str
    place: str
    venue: str
    when: str
    starts_at: datetime | None
    capacity: int
    expires_at: datetime
    status: str
    owner_id: int
    owner_name: str = Field(..., alias="owner.profile.display_name")
    created_at: datetime


class ListingIn(Schema):
    kind: Listing.Kind
    category: str = Field(..., max_length=60)
    title: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    place: Listing.Place = Listing.Place.YOUR_HOME
    venue: str = Field("", max_length=120)
    when: str = Field("", max_length=120)
    starts_at: BoundedDatetime | None = None
    capacity: BodyInt = Field(1, ge=1, le=100)
    expires_at: BoundedDatetime | None = None
    owner_id: BodyInt | None = Field(None, description="Coordinators: write it for this member.")


class ListingPatch(PatchIn):
    clearable = frozenset({"starts_at"})

    category: str | None = Field(None, max_length=60)
    title: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    place: Listing.Place | None = None
    venue: str | None = Field(None, max_length=120)
    when: str | None = Field(None, max_length=120)
    starts_at: BoundedDatetime | None = None
    capacity: BodyInt | None = Field(None, ge=1, le=100)
    expires_at: BoundedDatetime | None = None
    status: Listing.Status | None = None


class SearchHitOut(Schema):
    listing: ListingOut
    relevance: float
    distance_km: int | None = Field(
        None,
        description="Whole kilometres between approximate areas, rounded up; never under 3 "
        "(3 means 3 km or less).",
    )


class EventOut(Schema):
    id: int
    kind: str
    author_id: int | None
    operator_id: int | None
    text: str
    created_at: datetime


class ExchangeOut(Schema):
    id: int
    title: str
    category: str = Field(..., alias="category.slug")
    listing_id: int | None
    giver_id: int
    receiver_id: int
    status: str
    agreed_for: datetime | None
    minutes: int | None = Field(None, description="Time given, in minutes.")
    credits: int | None = Field(None, description="Time credits, in minutes (after the rule).")
    recorded_by_id: int | None
    recorded_at: datetime | None
    confirmed_at: datetime | None
    cancel_reason: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_credits(obj: Exchange) -> int | None:
        return obj.transfer.minutes if obj.transfer is not None else None


class ActingIn(Schema):
    on_behalf_of: BodyInt | None = Field(
        None, description="Coordinators: the membership id of the side you act for."
    )


class ProposeIn(ActingIn):
    listing_id: BodyInt | None = None
    other_id: BodyInt | None = Field(None, description="Without a listing: who with.")
    i_give: BodyBool = Field(True, description="Without a listing: whether I give the time.")
    category: str | None = Field(None, max_length=60)
    title: str | None = Field(None, max_length=120)
    message: str = Field("", max_length=2000)


class MessageIn(ActingIn):
    text: str = Field(..., min_length=1, max_length=2000)


class AgreeIn(ActingIn):
    agreed_for: BoundedDatetime
    text: str = Field("", max_length=2000)


class RecordIn(ActingIn):
    minutes: Annotated[int, WholeMinutes(most=MAX_EXCHANGE_MINUTES)] = Field(
        ..., description="Time given, in minutes (at most 24 hours)."
    )
    given_at: BoundedDatetime | None = None
    text: str = Field("", max_length=2000)


class CancelIn(ActingIn):
    reason: str = Field(..., min_length=1, max_length=500)


def _on_behalf(actor: Membership, member_id: int | None) -> Membership | None:
    if member_id is None:
        return None
    return selectors.member_choose(actor=actor, pk=member_id)


@router.get(
    f"{BASE}/categories", response={200: list[CategoryOut], **ERRORS}, summary="Kinds of help"
)
def category_list(request: HttpRequest, community: str) -> list[object]:
    return list(selectors.category_list(actor=acting_membership(request, community)))


@router.get(
    f"{BASE}/listings",
    response={200: list[SearchHitOut], **ERRORS},
    summary="Search offers and requests (relevance, then distance)",
)
def listing_search(
    request: HttpRequest,
    community: str,
    q: str = "",
    kind: str = "",
    category: str = "",
    day: str = "",
    part: str = "",
    within_km: ParamInt | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> list[dict[str, object]]:
    actor = acting_membership(request, community)
    hits = selectors.listing_search(
        actor=actor,
        filters=selectors.SearchFilters(
            query=q[:100], kind=kind, category=category, day=day, part=part, within_km=within_km
        ),
    )
    limit = max(1, min(limit, 100))
    return [
        {
            "listing": hit.listing,
            "relevance": hit.relevance,
            "distance_km": hit.distance_km,
        }
        for hit in hits[max(offset, 0) : max(offset, 0) + limit]
    ]


@router.post(
    f"{BASE}/listings", response={201: ListingOut, **ERRORS}, summary="Offer or ask for help"
)
def listing_create(request: HttpRequest, community: str, payload: ListingIn) -> Status[Listing]:
    actor = acting_membership(request, community)
    data = payload.dict()
    owner = _on_behalf(actor, data.pop("owner_id"))
    data["category"] = selectors.category_get(actor=actor, slug=data["category"])
    return Status(201, services.listing_create(actor=actor, owner=owner, **data))


@router.get(
    f"{BASE}/listings/{{listing_id}}", response={200: ListingOut, **ERRORS}, summary="One listing"
)
def listing_detail(request: HttpRequest, community: str, listing_id: ParamInt) -> Listing:
    return selectors.listing_get(actor=acting_membership(request, community), pk=listing_id)


@router.patch(
    f"{BASE}/listings/{{listing_id}}",
    response={200: ListingOut, **ERRORS},
    summary="Change a listing",
)
def listing_update(
    request: HttpRequest, community: str, listing_id: ParamInt, payload: ListingPatch
) -> Listing:
    actor = acting_membership(request, community)
    listing = selectors.listing_get(actor=actor, pk=listing_id)
    changes = payload.dict(exclude_unset=True)
    status = changes.pop("status", None)
    if "category" in changes:
        changes["category"] = selectors.category_get(actor=actor, slug=changes["category"])
    if changes:
        listing = services.listing_update(actor=actor, listing=listing, **changes)
    if status == Listing.Status.CLOSED:
        listing = services.listing_close(actor=actor, listing=listing)
    elif status == Listing.Status.OPEN:
        listing = services.listing_renew(actor=actor, listing=listing)
    return selectors.listing_get(actor=actor, pk=listing_id)


@router.delete(
    f"{BASE}/listings/{{listing_id}}", response={204: None, **ERRORS}, summary="Close a listing"
)
def listing_delete(request: HttpRequest, community: str, listing_id: ParamInt) -> Status[None]:
    actor = acting_membership(request, community)
    services.listing_close(actor=actor, listing=selectors.listing_get(actor=actor, pk=listing_id))
    return Status(204, None)


@router.get(
    f"{BASE}/exchanges", response={200: list[ExchangeOut], **ERRORS}, summary="My exchanges"
)
def exchange_list(
    request: HttpRequest, community: str, limit: Limit = 25, offset: Offset = 0
) -> list[Exchange]:
    actor = acting_membership(request, community)
    limit = max(1, min(limit, 100))
    return list(selectors.exchanges_of(actor=actor)[max(offset, 0) : max(offset, 0) + limit])


@router.post(
    f"{BASE}/exchanges",
    response={201: ExchangeOut, **ERRORS},
    summary="Ask for help on a listing, offer it, or propose an exchange directly",
)
def exchange_create(request: HttpRequest, community: str, payload: ProposeIn) -> Status[Exchange]:
    actor = acting_membership(request, community)
    member = _on_behalf(actor, payload.on_behalf_of)
    if payload.listing_id is not None:
        listing = selectors.listing_get(actor=actor, pk=payload.listing_id)
        exchange = services.exchange_start_from_listing(
            actor=actor, listing=listing, message=payload.message, member=member
        )
        return Status(201, exchange)
    if payload.other_id is None or not payload.category or not payload.title:
        raise ApiError(
            400,
            "invalid",
            _("Give a listing, or who with, the kind of help and a title."),
        )
    me = member or actor
    other = selectors.member_choose(actor=actor, pk=payload.other_id)
    giver, receiver = (me, other) if payload.i_give else (other, me)
    exchange = services.exchange_propose(
        actor=actor,
        member=member,
        giver=giver,
        receiver=receiver,
        category=selectors.category_get(actor=actor, slug=payload.category),
        title=payload.title,
        message=payload.message,
    )
    return Status(201, exchange)


@router.get(
    f"{BASE}/exchanges/{{exchange_id}}",
    response={200: ExchangeOut, **ERRORS},
    summary="One exchange",
)
def exchange_detail(request: HttpRequest, community: str, exchange_id: ParamInt) -> Exchange:
    return selectors.exchange_get(actor=acting_membership(request, community), pk=exchange_id)


@router.get(
    f"{BASE}/exchanges/{{exchange_id}}/messages",
    response={200: list[EventOut], **ERRORS},
    summary="The exchange's messages and steps",
)
def exchange_events(
    request: HttpRequest, community: str, exchange_id: ParamInt
) -> list[ExchangeEvent]:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    return list(selectors.exchange_events(actor=actor, exchange=exchange))


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/messages",
    response={201: EventOut, **ERRORS},
    summary="Send a message",
)
def exchange_message(
    request: HttpRequest, community: str, exchange_id: ParamInt, payload: MessageIn
) -> Status[ExchangeEvent]:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    event = services.exchange_message(
        actor=actor,
        exchange=exchange,
        text=payload.text,
        member=_on_behalf(actor, payload.on_behalf_of),
    )
    return Status(201, event)


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/agree",
    response={200: ExchangeOut, **ERRORS},
    summary="Agree a date and time",
)
def exchange_agree(
    request: HttpRequest, community: str, exchange_id: ParamInt, payload: AgreeIn
) -> Exchange:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    return services.exchange_agree(
        actor=actor,
        exchange=exchange,
        agreed_for=payload.agreed_for,
        text=payload.text,
        member=_on_behalf(actor, payload.on_behalf_of),
    )


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/record",
    response={200: ExchangeOut, **ERRORS},
    summary="Record the hours given (held until the other side confirms)",
    description="Send a fresh UUID in the Idempotency-Key header; repeating it is harmless.",
)
def exchange_record(
    request: HttpRequest,
    community: str,
    exchange_id: ParamInt,
    payload: RecordIn,
    idempotency_key: Annotated[uuid.UUID, Header(alias="Idempotency-Key")],
) -> Exchange:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    return services.exchange_record(
        actor=actor,
        exchange=exchange,
        minutes=payload.minutes,
        given_at=payload.given_at,
        text=payload.text,
        idempotency_key=idempotency_key,
        member=_on_behalf(actor, payload.on_behalf_of),
    )


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/confirm",
    response={200: ExchangeOut, **ERRORS},
    summary="Confirm the hours the other side recorded",
)
def exchange_confirm(
    request: HttpRequest,
    community: str,
    exchange_id: ParamInt,
    on_behalf_of: ParamInt | None = None,
) -> Exchange:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    return services.exchange_confirm(
        actor=actor,
        exchange=exchange,
        member=_on_behalf(actor, on_behalf_of),
    )


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/cancel",
    response={200: ExchangeOut, **ERRORS},
    summary="Cancel, with a reason (releases recorded hours not yet confirmed)",
)
def exchange_cancel(
    request: HttpRequest, community: str, exchange_id: ParamInt, payload: CancelIn
) -> Exchange:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    return services.exchange_cancel(
        actor=actor,
        exchange=exchange,
        reason=payload.reason,
        member=_on_behalf(actor, payload.on_behalf_of),
    )


@router.post(
    f"{BASE}/exchanges/{{exchange_id}}/thanks",
    response={201: EventOut, **ERRORS},
    summary="Say thank you",
)
def exchange_thank(
    request: HttpRequest, community: str, exchange_id: ParamInt, payload: MessageIn
) -> Status[ExchangeEvent]:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=exchange_id)
    event = services.exchange_thank(
        actor=actor,
        exchange=exchange,
        text=payload.text,
        member=_on_behalf(actor, payload.on_behalf_of),
    )
    return Status(201, event)
