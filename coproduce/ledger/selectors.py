"""Reads for the ledger. Every selector takes the acting membership and never returns another
community's rows: an object from elsewhere is a 404."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta

from django.db.models import Case, F, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.communities.permissions import can_coordinate
from coproduce.ledger import permissions
from coproduce.ledger.errors import InvalidTransfer
from coproduce.ledger.models import Account, AccountLimitChange, CommunityLink, CreditRule, Transfer

POSTED_PHASES = (Transfer.Phase.POSTED, Transfer.Phase.POST)


def _accounts(community_id: int) -> QuerySet[Account]:
    return Account.objects.select_related("membership__profile", "organisation", "partner").filter(
        community_id=community_id
    )


def my_account(*, actor: Membership) -> Account:
    account = (
        _accounts(actor.community_id).filter(kind=Account.Kind.MEMBER, membership=actor).first()
    )
    if account is None:
        raise Http404
    return account


def account_list(*, actor: Membership) -> QuerySet[Account]:
    """Every account in the actor's community, for coordinators."""
    return _accounts(actor.community_id).order_by("kind", "membership__profile__display_name", "pk")


def account_get(*, actor: Membership, pk: int) -> Account:
    """An account the actor may see: their own, or any in the community for coordinators."""
    account = _accounts(actor.community_id).filter(pk=pk).first()
    if account is None or not permissions.can_see_account(actor, account):
        raise Http404
    return account


def community_account(*, actor: Membership, kind: str) -> Account:
    account = _accounts(actor.community_id).filter(kind=kind).first()
    if account is None:
        raise Http404
    return account


def _transfers(community_id: int) -> QuerySet[Transfer]:
    return Transfer.objects.select_related(
        "debit__membership__profile",
        "debit__organisation",
        "debit__partner",
        "credit__membership__profile",
        "credit__organisation",
        "credit__partner",
        "operator__profile",
    ).filter(community_id=community_id)


def transfer_list(
    *, actor: Membership, account: Account | None = None, kind: str = "", phase: str = ""
) -> QuerySet[Transfer]:
    """Transfers the actor may see, newest first: members see only their own."""
    transfers = _transfers(actor.community_id)
    if not can_coordinate(actor):
        account = my_account(actor=actor)
    if account is not None:
        if account.community_id != actor.community_id:
            raise Http404
        transfers = transfers.filter(Q(debit=account) | Q(credit=account))
    if kind:
        transfers = transfers.filter(kind=kind)
    if phase:
        transfers = transfers.filter(phase=phase)
    return transfers.order_by("-created_at", "-pk")


def transfer_get(*, actor: Membership, pk: int) -> Transfer:
    transfer = (
        _transfers(actor.community_id)
        .select_related("pending", "reverses", "credit_rule", "for_member__profile")
        .filter(pk=pk)
        .first()
    )
    if transfer is None or not permissions.can_see_transfer(actor, transfer):
        raise Http404
    return transfer


def transfer_resolution(*, transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(pending=transfer).first()


def transfer_reversal(*, transfer: Transfer) -> Transfer | None:
    return Transfer.objects.filter(reverses=transfer).first()


def holds_open(*, actor: Membership, account: Account | None = None) -> QuerySet[Transfer]:
    """Holds not yet confirmed or cancelled."""
    holds = _transfers(actor.community_id).filter(
        phase=Transfer.Phase.PENDING, resolution__isnull=True
    )
    if not can_coordinate(actor):
        account = my_account(actor=actor)
    if account is not None:
        holds = holds.filter(Q(debit=account) | Q(credit=account))
    return holds.order_by("created_at", "pk")


# --- Statements -----------------------------------------------------------------------------------


_FIRST_MOMENT = datetime.min.replace(tzinfo=UTC)
_LAST_MOMENT = datetime.max.replace(tzinfo=UTC)


def _instant(community: Community, moment: datetime) -> datetime:
    """``moment`` in UTC, which every database stores, clamped to the ends of the calendar.

    A naive moment is read in the community's time zone. Any date the API or a form lets
    through is safe here: the end of 31 December 9999 west of Greenwich, or the start of
    1 January 1 east of it, does not exist in UTC and becomes the last or first moment there
    is; an offset PostgreSQL can't store (such as -23:15) is converted away.
    """
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(community.timezone))
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _LAST_MOMENT if moment.year == MAXYEAR else _FIRST_MOMENT


def local_day_start(community: Community, day: date) -> datetime:
    """Midnight at the start of ``day`` in the community's time zone (in UTC)."""
    return _instant(community, datetime.combine(day, time.min))


def local_day_end(community: Community, day: date) -> datetime:
    """Midnight at the end of ``day`` in the community's time zone (in UTC): the first moment
    of the next day, or the last moment there is after 31 December 9999."""
    if day >= date.max:
        return _LAST_MOMENT
    return local_day_start(community, day + timedelta(days=1))


def _signed(account: Account) -> Case:
    return Case(
        When(credit_id=account.pk, then=F("minutes")),
        default=-F("minutes"),
    )


def _posted_for(account: Account) -> QuerySet[Transfer]:
    return Transfer.objects.filter(
        Q(debit_id=account.pk) | Q(credit_id=account.pk), phase__in=POSTED_PHASES
    )


def balance_as_of(*, actor: Membership, account: Account, at: datetime) -> int:
    """The posted balance just before ``at`` (naive: in the community's time zone)."""
    if not permissions.can_see_account(actor, account):
        raise Http404
    total = (
        _posted_for(account)
        .filter(created_at__lt=_instant(actor.community, at))
        .aggregate(total=Coalesce(Sum(_signed(account)), Value(0)))["total"]
    )
    return int(total)


@dataclass
class StatementLine:
    transfer: Transfer
    change: int
    balance: int
    other: Account


@dataclass
class Statement:
    account: Account
    opening: int
    closing: int
    lines: list[StatementLine]
    holds: list[Transfer] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    kinds: list[str] = field(default_factory=list)


def statement(
    *,
    actor: Membership,
    account: Account,
    date_from: date | None = None,
    date_to: date | None = None,
    kinds: Iterable[str] = (),
) -> Statement:
    """Posted transfers of one account with the balance after each, oldest first.

    The running balance is the account's real balance (a kind filter hides lines, it does not
    change the balances shown). A constant number of queries, however long the statement.
    """
    if not permissions.can_see_account(actor, account):
        raise Http404
    community = actor.community
    start = local_day_start(community, date_from) if date_from else None
    end = local_day_end(community, date_to) if date_to else None
    opening = balance_as_of(actor=actor, account=account, at=start) if start else 0
    rows = _posted_for(account).select_related(
        "debit__membership__profile",
        "debit__organisation",
        "debit__partner",
        "credit__membership__profile",
        "credit__organisation",
        "credit__partner",
    )
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lt=end)
    rows = rows.annotate(
        change=_signed(account),
        running=Window(Sum(_signed(account)), order_by=[F("created_at").asc(), F("pk").asc()]),
    ).order_by("created_at", "pk")
    wanted = set(kinds)
    lines = []
    closing = opening
    for row in rows:
        closing = opening + int(row.running)
        if wanted and row.kind not in wanted:
            continue
        change = int(row.change)
        other = row.debit if change > 0 else row.credit
        lines.append(StatementLine(transfer=row, change=change, balance=closing, other=other))
    holds = list(
        Transfer.objects.select_related(
            "debit__membership__profile",
            "credit__membership__profile",
            "debit__organisation",
            "credit__organisation",
            "debit__partner",
            "credit__partner",
        )
        .filter(Q(debit_id=account.pk) | Q(credit_id=account.pk), phase=Transfer.Phase.PENDING)
        .filter(resolution__isnull=True)
        .order_by("created_at", "pk")
    )
    return Statement(
        account=account,
        opening=opening,
        closing=closing,
        lines=lines,
        holds=holds,
        date_from=date_from,
        date_to=date_to,
        kinds=sorted(wanted),
    )


def limit_changes(*, actor: Membership, account: Account) -> QuerySet[AccountLimitChange]:
    if not permissions.can_see_account(actor, account):
        raise Http404
    return AccountLimitChange.objects.select_related("changed_by__profile").filter(
        community_id=actor.community_id, account=account
    )


# --- Credit rules ---------------------------------------------------------------------------------


def credit_rule_list(*, actor: Membership) -> QuerySet[CreditRule]:
    return (
        CreditRule.objects.select_related("created_by__profile")
        .filter(community_id=actor.community_id)
        .order_by("-version")
    )


def credit_rule_in_force(*, community_id: int, at: datetime) -> CreditRule | None:
    """The version that applies to time given at ``at`` (the transfer services ask)."""
    return (
        CreditRule.objects.filter(community_id=community_id, starts_at__lte=at)
        .order_by("-starts_at", "-version")
        .first()
    )


def credit_rule_current(*, actor: Membership) -> CreditRule | None:
    return (
        CreditRule.objects.filter(community_id=actor.community_id, starts_at__lte=timezone.now())
        .order_by("-starts_at", "-version")
        .first()
    )


# --- Links ----------------------------------------------------------------------------------------


def link_list(*, actor: Membership) -> QuerySet[CommunityLink]:
    """Links this community is part of, on either side."""
    return (
        CommunityLink.objects.select_related("community", "partner")
        .filter(Q(community_id=actor.community_id) | Q(partner_id=actor.community_id))
        .order_by("-created_at")
    )


def link_get(*, actor: Membership, pk: int) -> CommunityLink:
    link = link_list(actor=actor).filter(pk=pk).first()
    if link is None:
        raise Http404
    return link


def link_clearing_account(*, actor: Membership, link: CommunityLink) -> Account | None:
    """This side's clearing account for the link, whose balance is the net flow out."""
    other = link.partner_id if actor.community_id == link.community_id else link.community_id
    return Account.objects.filter(
        community_id=actor.community_id, kind=Account.Kind.CLEARING, partner_id=other
    ).first()


def link_recipient(*, actor: Membership, link: CommunityLink, email: str) -> Membership | None:
    """The active member of the partner community who signs in with this email address."""
    other = link.partner_id if actor.community_id == link.community_id else link.community_id
    if not email:
        return None
    return (
        Membership.objects.select_related("profile")
        .filter(
            community_id=other, status=Membership.Status.ACTIVE, user__email__iexact=email.strip()
        )
        .first()
    )


def member_choices(*, actor: Membership) -> QuerySet[Membership]:
    """Active members with an account, for choosing who gets credits."""
    return (
        Membership.objects.select_related("profile")
        .filter(
            community_id=actor.community_id,
            status=Membership.Status.ACTIVE,
            ledger_accounts__kind=Account.Kind.MEMBER,
        )
        .order_by("profile__display_name", "pk")
    )


# --- Parties: what forms and the API name instead of raw account numbers --------------------------


def party_account(*, actor: Membership, party: str) -> Account:
    """The account a form or the API names: "member:<id>", "organisation:<id>",
    "account:<id>", "pot" or "issuance". Accounts in other communities are never found.

    A partner organisation nobody has paid yet has no account: its account-to-be is answered
    (unsaved), and the transfer services open it once they have checked the actor's right.
    """
    community_id = actor.community_id
    kind, _sep, ident = party.partition(":")
    account: Account | None = None
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
        if organisation is not None:
            account = Account.objects.filter(
                kind=Account.Kind.ORGANISATION, organisation=organisation
            ).first() or Account(
                community_id=community_id,
                kind=Account.Kind.ORGANISATION,
                organisation=organisation,
                floor=0,
            )
    if account is None:
        raise InvalidTransfer(_("We couldn't find that account in this community."))
    return account
