"""Offers, requests and exchanges, under /c/<community>/exchange/. Each view resolves the acting
membership first (404 for outsiders), asks permissions, and hands writes to services."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coproduce.communities.acting import acting_membership, coordinating_membership
from coproduce.communities.models import Community, Membership
from coproduce.edge.forms import row_id
from coproduce.edge.refusals import add_refusal, refusal_message
from coproduce.exchanges import permissions, selectors, services
from coproduce.exchanges.forms import (
    AgreeForm,
    AssistedRecordForm,
    CancelForm,
    ConcernForm,
    ConcernResolveForm,
    GroupRecordForm,
    ListingForm,
    MessageForm,
    OnBehalfForm,
    ProposeForm,
    RecordForm,
    SearchForm,
    StartForm,
    ThankForm,
)
from coproduce.exchanges.models import Exchange, Listing
from coproduce.exchanges.search import MIN_WITHIN_KM
from coproduce.ledger.errors import LedgerError

RESULTS_PER_PAGE = 20
EXCHANGES_PER_PAGE = 25


def _render(
    request: HttpRequest,
    template: str,
    actor: Membership,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {"actor": actor, "community": actor.community, **context}
    return render(request, f"exchanges/{template}", context, status=status)


def _local_day(community: Community, day: date | None) -> datetime | None:
    if day is None:
        return None
    moment = datetime.combine(day, time(12, 0), tzinfo=zoneinfo.ZoneInfo(community.timezone))
    return min(moment, timezone.now())


# --- Listings -----------------------------------------------------------------------------------


@login_required
def search(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    categories = selectors.category_list(actor=actor)
    form = SearchForm(request.GET or None, categories=categories)
    filters = selectors.SearchFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.SearchFilters(
            query=data["q"].strip(),
            kind=data["kind"],
            category=data["category"],
            day=data["day"],
            part=data["part"],
            within_km=data["within_km"],
        )
    hits = selectors.listing_search(actor=actor, filters=filters) if not form.errors else []
    page = Paginator(hits, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "search.html",
        actor,
        {
            "form": form,
            "page": page,
            "filters": filters,
            "has_location": actor.profile.has_location,
            "min_km": MIN_WITHIN_KM,
            "can_assist": permissions.can_assist(actor),
        },
    )


def _owner_from(request: HttpRequest, actor: Membership) -> Membership:
    wanted = row_id(request.GET.get("for") or request.POST.get("for"))
    if wanted is not None and permissions.can_assist(actor):
        return selectors.member_choose(actor=actor, pk=wanted)
    return actor


def _listing_expiry(actor: Membership, day: date) -> datetime:
    zone = zoneinfo.ZoneInfo(actor.community.timezone)
    return datetime.combine(day, time(23, 59), tzinfo=zone)


@login_required
def listing_create(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    owner = _owner_from(request, actor)
    categories = selectors.category_list(actor=actor)
    initial = {
        "kind": request.GET.get("kind") or Listing.Kind.OFFER,
        "open_until": timezone.localdate() + timedelta(days=services.LISTING_DAYS),
        "capacity": 1,
        "place": Listing.Place.YOUR_HOME,
    }
    form = ListingForm(request.POST or None, initial=initial, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["expires_at"] = _listing_expiry(actor, data.pop("open_until"))
        try:
            listing = services.listing_create(actor=actor, owner=owner, **data)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Your listing is open. Members can find it now."))
            return redirect(listing.get_absolute_url())
    return _render(
        request,
        "listing_form.html",
        actor,
        {"form": form, "owner": owner, "listing": None},
        status=400 if form.errors else 200,
    )


@login_required
def listing_edit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    listing = selectors.listing_get(actor=actor, pk=pk)
    if not permissions.can_edit_listing(actor, listing):
        raise Http404
    form = ListingForm(
        request.POST or None, instance=listing, categories=selectors.category_list(actor=actor)
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if "open_until" in changes:
            changes["expires_at"] = _listing_expiry(actor, changes.pop("open_until"))
        stored = selectors.listing_get(actor=actor, pk=pk)
        try:
            services.listing_update(actor=actor, listing=stored, **changes)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Listing saved."))
            return redirect(listing.get_absolute_url())
    return _render(
        request,
        "listing_form.html",
        actor,
        {"form": form, "owner": listing.owner, "listing": listing},
        status=400 if form.errors else 200,
    )


@login_required
def listing_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    listing = selectors.listing_get(actor=actor, pk=pk)
    form = StartForm(request.POST or None)
    on_behalf = None
    if permissions.can_assist(actor):
        on_behalf = OnBehalfForm(
            request.POST or None,
            parties=selectors.members_to_choose(actor=actor).exclude(pk=listing.owner_id),
            initial={"member": actor.pk},
        )
    if request.method == "POST":
        member = actor
        if on_behalf is not None and on_behalf.is_valid():
            member = on_behalf.cleaned_data["member"]
        if form.is_valid():
            try:
                exchange = services.exchange_start_from_listing(
                    actor=actor, listing=listing, message=form.cleaned_data["text"], member=member
                )
            except (ValidationError, PermissionDenied) as error:
                add_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("We have let %(name)s know. Talk here to arrange it.")
                    % {"name": listing.owner},
                )
                return redirect(exchange.get_absolute_url())
    return _render(
        request,
        "listing_detail.html",
        actor,
        {
            "listing": listing,
            "form": form,
            "on_behalf": on_behalf,
            "can_edit": permissions.can_edit_listing(actor, listing),
            "is_mine": listing.owner_id == actor.pk,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def listing_renew(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    listing = selectors.listing_get(actor=actor, pk=pk)
    if not permissions.can_edit_listing(actor, listing):
        raise Http404
    services.listing_renew(actor=actor, listing=listing)
    messages.success(request, _("Your listing stays open for another three months."))
    return redirect(listing.get_absolute_url())


@login_required
@require_POST
def listing_close(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    listing = selectors.listing_get(actor=actor, pk=pk)
    if not permissions.can_edit_listing(actor, listing):
        raise Http404
    services.listing_close(actor=actor, listing=listing)
    messages.success(request, _("The listing is closed. Nobody new can answer it."))
    return redirect("exchanges:mine", community=community)


# --- My exchanges -------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    member = _owner_from(request, actor)
    exchanges = selectors.exchanges_of(actor=actor, member=member)
    page = Paginator(exchanges, EXCHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "mine.html",
        actor,
        {
            "member": member,
            "page": page,
            "to_confirm": list(selectors.exchanges_to_confirm(actor=actor, member=member)[:20]),
            "listings": list(selectors.listings_of(actor=actor, owner=member)[:50]),
            "can_assist": permissions.can_assist(actor),
        },
    )


# --- One exchange -------------------------------------------------------------------------------


def _exchange_page(
    request: HttpRequest, actor: Membership, exchange: Exchange, status: int = 200, **forms: Form
) -> HttpResponse:
    is_party = exchange.is_party(actor)
    assisting = not is_party and permissions.can_assist(actor)
    me = actor if is_party else None
    context: dict[str, Any] = {
        "exchange": exchange,
        "events": list(selectors.exchange_events(actor=actor, exchange=exchange)),
        "is_party": is_party,
        "assisting": assisting,
        "other": exchange.other_side(actor) if is_party else None,
        "can_confirm": (me is not None and services.can_confirm(me, exchange))
        or (assisting and exchange.status == Exchange.Status.RECORDED),
        "message_form": forms.get("message_form") or MessageForm(),
        "agree_form": forms.get("agree_form")
        or AgreeForm(initial={"agreed_for": exchange.agreed_for}),
        "record_form": forms.get("record_form") or RecordForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "thank_form": forms.get("thank_form") or ThankForm(),
        "concern_form": forms.get("concern_form") or ConcernForm(),
        "parties": [exchange.giver, exchange.receiver],
    }
    return _render(request, "exchange_detail.html", actor, context, status=status)


def _member_for(request: HttpRequest, actor: Membership, exchange: Exchange) -> Membership:
    """The party this request acts for: the actor, or the side a coordinator chose."""
    if exchange.is_party(actor):
        return actor
    wanted = row_id(request.POST.get("member"))
    if permissions.can_assist(actor) and wanted is not None:
        for party in (exchange.giver, exchange.receiver):
            if party.pk == wanted:
                return party
    raise PermissionDenied(_("Choose which person you are acting for."))


def _exchange_action(
    request: HttpRequest,
    community: str,
    pk: int,
    form_class: type[Form],
    form_name: str,
    do: Any,
    done: str,
) -> HttpResponse:
    actor = acting_membership(request, community)
    exchange = selectors.exchange_get(actor=actor, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            member = _member_for(request, actor, exchange)
            do(actor, exchange, member, form.cleaned_data)
        except (ValidationError, PermissionDenied, LedgerError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, done)
            return redirect(exchange.get_absolute_url())
    exchange = selectors.exchange_get(actor=actor, pk=pk)
    return _exchange_page(request, actor, exchange, status=400, **{form_name: form})


@login_required
def exchange_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    return _exchange_page(request, actor, selectors.exchange_get(actor=actor, pk=pk))


@login_required
@require_POST
def exchange_message(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        MessageForm,
        "message_form",
        lambda actor, exchange, member, data: services.exchange_message(
            actor=actor, exchange=exchange, member=member, text=data["text"]
        ),
        _("Message sent."),
    )


@login_required
@require_POST
def exchange_agree(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        AgreeForm,
        "agree_form",
        lambda actor, exchange, member, data: services.exchange_agree(
            actor=actor,
            exchange=exchange,
            member=member,
            agreed_for=data["agreed_for"],
            text=data["text"],
        ),
        _("The date is saved. We have told the other person."),
    )


@login_required
@require_POST
def exchange_record(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    def do(actor: Membership, exchange: Exchange, member: Membership, data: dict[str, Any]) -> None:
        services.exchange_record(
            actor=actor,
            exchange=exchange,
            member=member,
            minutes=data["minutes"],
            given_at=_local_day(actor.community, data["given_on"]),
            idempotency_key=data["idempotency_key"],
            text=data["text"],
        )

    return _exchange_action(
        request,
        community,
        pk,
        RecordForm,
        "record_form",
        do,
        _("The hours are recorded. They count once the other person confirms them."),
    )


@login_required
@require_POST
def exchange_confirm(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        Form,
        "message_form",
        lambda actor, exchange, member, data: services.exchange_confirm(
            actor=actor, exchange=exchange, member=member
        ),
        _("Thank you. The hours are confirmed and the time credits have moved."),
    )


@login_required
@require_POST
def exchange_cancel(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        CancelForm,
        "cancel_form",
        lambda actor, exchange, member, data: services.exchange_cancel(
            actor=actor, exchange=exchange, member=member, reason=data["reason"]
        ),
        _("The exchange is cancelled. We have told the other person why."),
    )


@login_required
@require_POST
def exchange_thank(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        ThankForm,
        "thank_form",
        lambda actor, exchange, member, data: services.exchange_thank(
            actor=actor, exchange=exchange, member=member, text=data["text"]
        ),
        _("Your thank-you is sent."),
    )


@login_required
@require_POST
def exchange_concern(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    return _exchange_action(
        request,
        community,
        pk,
        ConcernForm,
        "concern_form",
        lambda actor, exchange, member, data: services.exchange_concern_raise(
            actor=actor, exchange=exchange, member=member, text=data["text"]
        ),
        _(
            "Thank you for telling us. A coordinator will be in touch; "
            "the other person is not told."
        ),
    )


# --- Starting an exchange directly, and coordinators' pages --------------------------------------


@login_required
def propose(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    member = _owner_from(request, actor)
    initial: dict[str, Any] = {"direction": "give"}
    if (other := row_id(request.GET.get("to"))) is not None:
        initial["other"] = other
    form = ProposeForm(
        request.POST or None,
        initial=initial,
        members=selectors.members_to_choose(actor=actor).exclude(pk=member.pk),
        categories=selectors.category_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        giver, receiver = (
            (member, data["other"]) if data["direction"] == "give" else (data["other"], member)
        )
        try:
            exchange = services.exchange_propose(
                actor=actor,
                member=member,
                giver=giver,
                receiver=receiver,
                category=data["category"],
                title=data["title"],
                message=data["text"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("We have let them know. Talk here to arrange it."))
            return redirect(exchange.get_absolute_url())
    return _render(
        request,
        "propose.html",
        actor,
        {"form": form, "member": member},
        status=400 if form.errors else 200,
    )


@login_required
def assisted_record(request: HttpRequest, community: str) -> HttpResponse:
    """Record help that happened between members, for someone without a login."""
    actor = coordinating_membership(request, community)
    members = selectors.members_to_choose(actor=actor)
    initial: dict[str, Any] = {"given_on": timezone.localdate()}
    if (wanted := row_id(request.GET.get("for"))) is not None:
        initial["giver"] = wanted
    form = AssistedRecordForm(
        request.POST or None,
        initial=initial,
        members=members,
        categories=selectors.category_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange = services.exchange_assisted_record(
                actor=actor,
                giver=data["giver"],
                receiver=data["receiver"],
                category=data["category"],
                title=data["title"],
                minutes=data["minutes"],
                given_at=_local_day(actor.community, data["given_on"]) or timezone.now(),
                idempotency_key=data["idempotency_key"],
                confirm_now=data["confirm_now"],
            )
        except (ValidationError, PermissionDenied, LedgerError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The exchange is recorded."))
            return redirect(exchange.get_absolute_url())
    return _render(
        request, "assisted_record.html", actor, {"form": form}, status=400 if form.errors else 200
    )


@login_required
def group_record(request: HttpRequest, community: str) -> HttpResponse:
    actor = coordinating_membership(request, community)
    members = selectors.members_to_choose(actor=actor)
    form = GroupRecordForm(
        request.POST or None,
        initial={"given_on": timezone.localdate(), "direction": "one_to_many"},
        members=members,
        categories=selectors.category_list(actor=actor),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        one, many = [data["one"]], list(data["many"])
        givers, receivers = (one, many) if data["direction"] == "one_to_many" else (many, one)
        try:
            services.exchange_group_record(
                actor=actor,
                givers=givers,
                receivers=receivers,
                category=data["category"],
                title=data["title"],
                minutes=data["minutes"],
                given_at=_local_day(actor.community, data["given_on"]) or timezone.now(),
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied, LedgerError) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The group session is recorded for everyone."))
            return redirect("exchanges:coordinator", community=community)
    return _render(
        request, "group_record.html", actor, {"form": form}, status=400 if form.errors else 200
    )


@login_required
def coordinator(request: HttpRequest, community: str) -> HttpResponse:
    actor = coordinating_membership(request, community)
    status = request.GET.get("status", "")
    if status not in Exchange.Status.values:
        status = ""
    page = Paginator(
        selectors.exchanges_all(actor=actor, status=status), EXCHANGES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return _render(
        request,
        "coordinator.html",
        actor,
        {
            "page": page,
            "status": status,
            "statuses": Exchange.Status.choices,
            "waiting_for_coordinator": list(
                selectors.exchanges_waiting_for_a_coordinator(actor=actor)[:20]
            ),
            "concerns": [
                (concern, ConcernResolveForm(prefix=f"concern-{concern.pk}"))
                for concern in selectors.concern_list(actor=actor, is_open=True)[:20]
            ],
            "concerns_dealt_with": selectors.concern_list(actor=actor, is_open=False)[:10],
        },
    )


@login_required
@require_POST
def concern_resolve(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = coordinating_membership(request, community)
    concern = selectors.concern_get(actor=actor, pk=pk)
    form = ConcernResolveForm(request.POST, prefix=f"concern-{concern.pk}")
    if form.is_valid():
        try:
            services.concern_resolve(
                actor=actor, concern=concern, resolution=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, refusal_message(error))
        else:
            messages.success(request, _("Thank you. The concern is marked as dealt with."))
    else:
        messages.error(request, _("Please write what was done about the concern."))
    return redirect("exchanges:coordinator", community=actor.community.slug)
