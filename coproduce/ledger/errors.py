"""Typed rejections from the ledger. Pages show their message beside the form; the API answers
with the status ``coproduce.edge.errors.STATUS_BY_CODE`` gives their code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from coproduce.communities.permissions import can_coordinate
from coproduce.edge.errors import DomainError
from coproduce.edge.units import minutes_display
from coproduce.ledger import permissions
from coproduce.ledger.models import Account

if TYPE_CHECKING:
    from coproduce.communities.models import Membership


class LedgerError(DomainError):
    """A transfer or change the ledger refuses."""

    code = "ledger_error"


class InvalidTransfer(LedgerError):
    code = "invalid_transfer"


class LimitExceeded(LedgerError):
    """The debit account would go below its floor, or the credit account above its ceiling.

    The message is for ``viewer`` (the person acting; None when nobody is, as in automatic
    confirmation). It never names the community's own accounts, and it gives a member's
    balance-based figure ("the most Sam can give now") only to that member and to coordinators:
    anyone else learns that the amount is too much, not how much someone has.
    """

    code = "limit_exceeded"

    def __init__(self, *, account: Account, is_floor: bool, viewer: Membership | None) -> None:
        limit = account.floor if is_floor else account.ceiling
        most = (account.most_can_pay if is_floor else account.most_can_receive) or 0
        super().__init__(_limit_message(account, is_floor=is_floor, viewer=viewer, most=most))
        self.limit = limit
        self.most = most
        self.is_floor = is_floor


def _limit_message(
    account: Account, *, is_floor: bool, viewer: Membership | None, most: int
) -> str:
    Kind = Account.Kind
    values = {
        "name": str(account.owner_name),
        "limit": minutes_display((account.floor if is_floor else account.ceiling) or 0),
        "most": minutes_display(most),
    }
    if account.kind == Kind.MEMBER:
        if viewer is not None and permissions.is_own_account(viewer, account):
            if is_floor:
                return (
                    _(
                        "Your balance would go below %(limit)s; "
                        "the most you can give now is %(most)s."
                    )
                    % values
                )
            return (
                _(
                    "Your balance would go above %(limit)s; "
                    "the most you can receive now is %(most)s."
                )
                % values
            )
        if viewer is None or can_coordinate(viewer):
            if is_floor:
                return (
                    _(
                        "%(name)s's balance would go below %(limit)s; "
                        "the most %(name)s can give now is %(most)s."
                    )
                    % values
                )
            return (
                _(
                    "%(name)s's balance would go above %(limit)s; "
                    "the most %(name)s can receive now is %(most)s."
                )
                % values
            )
        if is_floor:
            return (
                _(
                    "%(name)s can't pay that much time credit now. Record less time, "
                    "or ask a coordinator."
                )
                % values
            )
        return (
            _("%(name)s can't receive that much time credit now. Give less, or ask a coordinator.")
            % values
        )
    if account.kind == Kind.CLEARING:
        # The giver's side refuses on its clearing account's ceiling, the receiving side on its
        # floor: either way, the agreed limit towards the receiving community is reached.
        receiving = account.partner if not is_floor else account.community
        return _(
            "You can send at most %(most)s more to %(community)s for now: "
            "that is the limit the two communities agreed."
        ) % {**values, "community": receiving.name if receiving is not None else ""}
    if account.kind == Kind.ISSUANCE:
        if is_floor and account.floor == 0:
            return _("This community does not award credits.")
        if is_floor:
            return _("The community can award at most %(most)s more credits now.") % values
        return _("That is more than was awarded. Reverse the award instead.")
    if account.kind == Kind.POT:
        if is_floor:
            return _("The community pot has %(most)s to give now.") % values
        return _("The community pot can take at most %(most)s more now.") % values
    if is_floor:
        return _("%(name)s has %(most)s to give now.") % values
    return _("%(name)s can take at most %(most)s more now.") % values


class AccountNotAllowed(LedgerError):
    """The generic transfer services do not move credits between these kinds of account (see
    ``permissions.account_refusal``): the community's own accounts have services of their own."""

    code = "account_not_allowed"

    def __init__(self, reason: str, *, actor: Membership) -> None:
        super().__init__(_refusal_message(reason, manages=can_coordinate(actor)))
        self.reason = reason


def _refusal_message(reason: str, *, manages: bool) -> str:
    if reason == permissions.NOT_BETWEEN_COMMUNITIES:
        return _(
            "To give credits to someone in another community, use “Give credits to another "
            "community” on the page of the link with that community."
        )
    if not manages:
        return _(
            "You can give your credits to another member, spend them with a partner "
            "organisation, or donate them to the community pot."
        )
    if reason == permissions.NOT_TO_ISSUANCE:
        return _("Credits the community awarded can't be paid back. To undo an award, reverse it.")
    if reason == permissions.ONLY_AWARDS_FROM_ISSUANCE:
        return _("New credits come from the community only as an award. Choose “Award”.")
    if reason == permissions.DONATIONS_TO_THE_POT:
        return _("Only donations go into the community pot, and a donation goes only there.")
    return _("Credits leave the community pot as a gift to someone. Choose “Gift”.")


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"

    def __init__(self) -> None:
        super().__init__(
            _("This request key was already used for a different transfer. Send a new key.")
        )


class AlreadyReversed(LedgerError):
    code = "already_reversed"

    def __init__(self) -> None:
        super().__init__(_("This transfer has already been reversed."))


class NotReversible(LedgerError):
    code = "not_reversible"


class AlreadyResolved(LedgerError):
    code = "already_resolved"


class NotPending(LedgerError):
    code = "not_pending"

    def __init__(self) -> None:
        super().__init__(_("Only a transfer on hold can be confirmed or cancelled."))


class LinkUnavailable(LedgerError):
    code = "link_unavailable"
