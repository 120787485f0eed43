"""Time-credit pages. Each view finds the acting membership (404 for outsiders), checks
permissions, and hands writes to services; ledger refusals come back as plain messages."""

from __future__ import annotations

import csv
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce.communities.acting import acting_membership, coordinating_membership
from coproduce.communities.models import Membership, Organisation
from coproduce.communities.permissions import can_coordinate
from coproduce.edge.refusals import add_refusal, refusal_message
from coproduce.edge.units import minutes_display
from coproduce.ledger import permissions, selectors, services
from coproduce.ledger.errors import LedgerError
from coproduce.ledger.forms import (
    RULE_KINDS,
    CreditRuleForm,
    GiveForm,
    LimitsForm,
    LinkForm,
    LinkGiveForm,
    RecordTransferForm,
    ReverseForm,
    StatementFilterForm,
)
from coproduce.ledger.models import Account, CommunityLink, Transfer


def _render(
    request: HttpRequest,
    template: str,
    actor: Membership,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    context = {"community": actor.community, "actor": actor, **context}
    return render(request, f"ledger/{template}", context, status=status)


# --- Statements ------------------------------------------------------------------------------


def _statement_context(
    request: HttpRequest, actor: Membership, account: Account
) -> tuple[dict[str, Any], selectors.Statement]:
    filters = StatementFilterForm(request.GET or None)
    values: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    statement = selectors.statement(
        actor=actor,
        account=account,
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        kinds=values.get("kind") or (),
    )
    as_of = values.get("as_of")
    balance_as_of = None
    if as_of is not None:
        end = selectors.local_day_end(actor.community, as_of)
        balance_as_of = selectors.balance_as_of(actor=actor, account=account, at=end)
    context = {
        "account": account,
        "statement": statement,
        "lines": list(reversed(statement.lines)),
        "filters": filters,
        "as_of": as_of,
        "balance_as_of": balance_as_of,
        "query": request.GET.urlencode(),
        "can_manage": can_coordinate(actor),
    }
    return context, statement


def _statement_csv(statement: selectors.Statement, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Every text cell in quotes, so a spreadsheet that splits on ";" or tabs keeps it whole;
    # numbers bare, so they stay numbers.
    writer = csv.writer(response, quoting=csv.QUOTE_NONNUMERIC)
    header = [
        _("Date"),
        _("Kind"),
        _("From or to"),
        _("Note"),
        _("Change"),
        _("Balance"),
        _("Change in minutes"),
        _("Balance in minutes"),
        _("Transfer number"),
    ]
    writer.writerow([_safe_cell(str(title)) for title in header])
    for line in statement.lines:
        transfer = line.transfer
        writer.writerow(
            [
                timezone.localtime(transfer.created_at).strftime("%Y-%m-%d %H:%M"),
                _safe_cell(str(transfer.get_kind_display())),
                _safe_cell(str(line.other.owner_name)),
                _safe_cell(transfer.memo),
                minutes_display(line.change),
                minutes_display(line.balance),
                line.change,
                line.balance,
                transfer.pk,
            ]
        )
    return response


# A formula trigger (OWASP: = + - @ tab CR) at the start of the text or after anything a
# spreadsheet may split cells on (, ; tab CR LF), allowing spaces before it.
_FORMULA = re.compile(r"(^|[,;\t\r\n])( *)(?=[=+\-@\t\r])")


def _safe_cell(text: str) -> str:
    """Text that no spreadsheet runs as a formula, however it splits the line: an apostrophe
    goes before each formula character that could start a cell (OWASP's advice for CSV)."""
    return _FORMULA.sub(r"\1\2'", text)


@login_required
def statement(request: HttpRequest, community: str) -> HttpResponse:
    """My balance and my transfers, with the running balance."""
    actor = acting_membership(request, community)
    account = selectors.my_account(actor=actor)
    context, _statement = _statement_context(request, actor, account)
    context["is_mine"] = True
    context["csv_url"] = reverse("ledger:statement_csv", kwargs={"community": community})
    return _render(request, "statement.html", actor, context)


def _filters_refused(context: dict[str, Any], page: str) -> HttpResponse | None:
    """A download with a filter we can't use goes back to the page, which says what to fix."""
    if not context["filters"].errors:
        return None
    return redirect(f"{page}?{context['query']}")


@login_required
@never_cache  # a statement is personal: no browser or proxy may keep a copy of the file
def statement_csv(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    account = selectors.my_account(actor=actor)
    context, result = _statement_context(request, actor, account)
    page = reverse("ledger:statement", kwargs={"community": community})
    return _filters_refused(context, page) or _statement_csv(
        result, f"time-credits-{community}.csv"
    )


@login_required
def account_statement(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    account = selectors.account_get(actor=actor, pk=pk)
    context, _statement = _statement_context(request, actor, account)
    context["is_mine"] = permissions.is_own_account(actor, account)
    context["csv_url"] = reverse(
        "ledger:account_statement_csv", kwargs={"community": community, "pk": pk}
    )
    if can_coordinate(actor):
        context["limit_changes"] = list(selectors.limit_changes(actor=actor, account=account)[:20])
    return _render(request, "statement.html", actor, context)


@login_required
@never_cache
def account_statement_csv(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    account = selectors.account_get(actor=actor, pk=pk)
    context, result = _statement_context(request, actor, account)
    page = reverse("ledger:account_statement", kwargs={"community": community, "pk": pk})
    return _filters_refused(context, page) or _statement_csv(
        result, f"time-credits-{community}-account-{pk}.csv"
    )


# --- Giving ------------------------------------------------------------------------------------


@login_required
def give(request: HttpRequest, community: str) -> HttpResponse:
    """A member gives credits to another member, or donates them to the community pot."""
    actor = acting_membership(request, community)
    account = selectors.my_account(actor=actor)
    members = selectors.member_choices(actor=actor).exclude(pk=actor.pk)
    form = GiveForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to = selectors.party_account(actor=actor, party=_party(data["to"]))
            services.transfer_create(
                actor=actor,
                debit=account,
                credit=to,
                kind=Transfer.Kind.DONATION if to.kind == Account.Kind.POT else Transfer.Kind.GIFT,
                minutes=data["minutes"],
                memo=data["memo"],
                idempotency_key=data["idempotency_key"],
                for_member=actor,
            )
        except LedgerError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("You gave %(minutes)s to %(name)s.")
                % {"minutes": minutes_display(data["minutes"]), "name": to.owner_name},
            )
            return redirect("ledger:statement", community=community)
    return _render(
        request,
        "give.html",
        actor,
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


# --- Coordinators ------------------------------------------------------------------------------


@login_required
def coordinator(request: HttpRequest, community: str) -> HttpResponse:
    """Every account with its balance and limits, and the holds waiting for an answer."""
    actor = coordinating_membership(request, community)
    return _render(
        request,
        "coordinator.html",
        actor,
        {
            "accounts": list(selectors.account_list(actor=actor)),
            "holds": list(selectors.holds_open(actor=actor)),
            "recent": list(selectors.transfer_list(actor=actor)[:20]),
            "rule": selectors.credit_rule_current(actor=actor),
        },
    )


def _party(chosen: Membership | str) -> str:
    """What selectors.party_account reads: "member:12", or the key of another account."""
    return f"member:{chosen.pk}" if isinstance(chosen, Membership) else chosen


@login_required
def transfer_record(request: HttpRequest, community: str) -> HttpResponse:
    """A coordinator records an exchange, an award, a redemption or an adjustment."""
    actor = coordinating_membership(request, community)
    form = RecordTransferForm(
        request.POST or None,
        members=selectors.member_choices(actor=actor),
        organisations=Organisation.objects.filter(community_id=actor.community_id).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uses_rule = data["kind"] in RULE_KINDS
        try:
            debit = selectors.party_account(actor=actor, party=_party(data["debit"]))
            credit = selectors.party_account(actor=actor, party=_party(data["credit"]))
            record = services.transfer_hold if data["on_hold"] else services.transfer_create
            transfer = record(
                actor=actor,
                debit=debit,
                credit=credit,
                kind=data["kind"],
                minutes=None if uses_rule else data["minutes"],
                minutes_given=data["minutes"] if uses_rule else None,
                category=data["category"] if uses_rule else "",
                given_at=data["given_at"] if uses_rule else None,
                memo=data["memo"],
                idempotency_key=data["idempotency_key"],
                for_member=credit.membership if credit.kind == Account.Kind.MEMBER else None,
            )
        except LedgerError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Recorded: %(minutes)s from %(from)s to %(to)s.")
                % {
                    "minutes": minutes_display(transfer.minutes),
                    "from": debit.owner_name,
                    "to": credit.owner_name,
                },
            )
            return redirect("ledger:transfer_detail", community=community, pk=transfer.pk)
    return _render(
        request, "record.html", actor, {"form": form}, status=400 if form.errors else 200
    )


@login_required
def account_limits(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = coordinating_membership(request, community)
    account = selectors.account_get(actor=actor, pk=pk)
    form = LimitsForm(
        request.POST or None, initial={"floor": account.floor, "ceiling": account.ceiling}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_limits_set(
                actor=actor,
                account=account,
                floor=form.cleaned_data["floor"],
                ceiling=form.cleaned_data["ceiling"],
                reason=form.cleaned_data["reason"],
            )
        except (LedgerError, ValidationError) as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("The limits of %(name)s are changed.") % {"name": account.owner_name}
            )
            return redirect("ledger:account_statement", community=community, pk=pk)
    return _render(
        request,
        "limits.html",
        actor,
        {
            "form": form,
            "account": account,
            "limit_changes": list(selectors.limit_changes(actor=actor, account=account)[:20]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def transfer_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    transfer = selectors.transfer_get(actor=actor, pk=pk)
    context = {
        "transfer": transfer,
        "resolution": selectors.transfer_resolution(transfer=transfer),
        "reversal": selectors.transfer_reversal(transfer=transfer),
        "can_reverse": permissions.can_reverse(actor)
        and transfer.moves_posted_balance
        and transfer.kind != Transfer.Kind.REVERSAL,
        "can_post": transfer.phase == Transfer.Phase.PENDING
        and permissions.can_resolve_hold(actor, transfer, phase=Transfer.Phase.POST),
        "can_void": transfer.phase == Transfer.Phase.PENDING
        and permissions.can_resolve_hold(actor, transfer, phase=Transfer.Phase.VOID),
        "resolve_form": ReverseForm(),
    }
    return _render(request, "transfer_detail.html", actor, context)


@login_required
def transfer_reverse(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = coordinating_membership(request, community)
    transfer = selectors.transfer_get(actor=actor, pk=pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.transfer_reverse(
                actor=actor,
                transfer=transfer,
                memo=form.cleaned_data["memo"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except LedgerError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The transfer is reversed."))
            return redirect("ledger:transfer_detail", community=community, pk=reversal.pk)
    return _render(
        request,
        "reverse.html",
        actor,
        {"form": form, "transfer": transfer},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def transfer_resolve(request: HttpRequest, community: str, pk: int, action: str) -> HttpResponse:
    """Confirm ("post") or cancel ("void") a hold."""
    actor = acting_membership(request, community)
    transfer = selectors.transfer_get(actor=actor, pk=pk)
    form = ReverseForm(request.POST)
    key = form.cleaned_data["idempotency_key"] if form.is_valid() else None
    resolve = {"post": services.transfer_post, "void": services.transfer_void}.get(action)
    if resolve is None:
        raise Http404
    try:
        resolve(actor=actor, transfer=transfer, idempotency_key=key)
    except LedgerError as error:
        messages.error(request, refusal_message(error))
    else:
        if action == "post":
            messages.success(request, _("The hold is confirmed; the credits have moved."))
        else:
            messages.success(request, _("The hold is cancelled; the credits are released."))
    return redirect("ledger:transfer_detail", community=community, pk=pk)


# --- Credit rules --------------------------------------------------------------------------------


@login_required
def rules(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    form = None
    if can_coordinate(actor):
        form = CreditRuleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                rule = services.credit_rule_create(
                    actor=actor,
                    starts_at=data["starts_at"],
                    out_of_hours_per_mille=data["out_of_hours"],
                    window_start=data["window_start"],
                    window_end=data["window_end"],
                    category_per_mille=data["categories"],
                    stacking=data["stacking"],
                    note=data["note"],
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the credit rule is saved.")
                    % {"version": rule.version},
                )
                return redirect("ledger:rules", community=community)
    elif request.method == "POST":
        raise PermissionDenied
    return _render(
        request,
        "rules.html",
        actor,
        {
            "rules": list(selectors.credit_rule_list(actor=actor)),
            "current": selectors.credit_rule_current(actor=actor),
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


# --- Links between communities -------------------------------------------------------------------


@login_required
def links(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    form = LinkForm(request.POST or None) if can_coordinate(actor) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.community_link_create(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(
                    request, _("Link proposed. The other community's coordinators must agree.")
                )
                return redirect("ledger:links", community=community)
    rows = []
    for link in selectors.link_list(actor=actor):
        rows.append(
            {
                "link": link,
                "other": link.other(actor.community_id),
                "limit_out": link.limit_from(actor.community_id),
                "limit_in": link.limit_to(actor.community_id),
                "clearing": selectors.link_clearing_account(actor=actor, link=link),
                "can_accept": link.status == CommunityLink.Status.PROPOSED
                and link.partner_id == actor.community_id,
            }
        )
    return _render(
        request,
        "links.html",
        actor,
        {"rows": rows, "form": form, "can_manage": can_coordinate(actor)},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def link_action(request: HttpRequest, community: str, pk: int, action: str) -> HttpResponse:
    actor = coordinating_membership(request, community)
    link = selectors.link_get(actor=actor, pk=pk)
    act = {
        "accept": services.community_link_accept,
        "pause": services.community_link_pause,
        "resume": services.community_link_resume,
    }.get(action)
    if act is None:
        raise Http404
    try:
        act(actor=actor, link=link)
    except LedgerError as error:
        messages.error(request, refusal_message(error))
    else:
        messages.success(
            request,
            _("The link is now: %(status)s.")
            % {"status": CommunityLink.objects.get(pk=link.pk).get_status_display()},
        )
    return redirect("ledger:links", community=community)


@login_required
def link_give(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Give credits to someone in a linked community (for example a parent elsewhere)."""
    actor = acting_membership(request, community)
    link = selectors.link_get(actor=actor, pk=pk)
    account = selectors.my_account(actor=actor)
    form = LinkGiveForm(request.POST or None)
    try:
        # Before anyone is looked up: on a link the other community has not agreed, or one that
        # is paused, the answer is the same whatever email address was typed.
        services.community_link_check_open(actor=actor, link=link)
    except LedgerError as error:
        closed: str | None = refusal_message(error)
    else:
        closed = None
    if request.method == "POST" and closed is not None:
        form.is_valid()
        form.add_error(None, closed)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = selectors.link_recipient(actor=actor, link=link, email=data["email"])
        if recipient is None:
            form.add_error(
                "email",
                _("We couldn't find a member of %(community)s with that email address.")
                % {"community": link.other(actor.community_id).name},
            )
        else:
            try:
                services.inter_community_transfer_create(
                    actor=actor,
                    link=link,
                    recipient=recipient,
                    minutes=data["minutes"],
                    memo=data["memo"],
                    idempotency_key=data["idempotency_key"],
                )
            except LedgerError as error:
                add_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("You gave %(minutes)s to %(name)s in %(community)s.")
                    % {
                        "minutes": minutes_display(data["minutes"]),
                        "name": recipient,
                        "community": link.other(actor.community_id).name,
                    },
                )
                return redirect("ledger:statement", community=community)
    return _render(
        request,
        "link_give.html",
        actor,
        {
            "form": form,
            "link": link,
            "other": link.other(actor.community_id),
            "account": account,
            "closed": closed,
        },
        status=400 if form.errors else 200,
    )
