"""Typed rejections from the ledger. Views and the API turn them into clear messages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from coproduce.ledger.templatetags.ledger import minutes_display


class LedgerError(Exception):
    """A transfer or change the ledger refuses. ``code`` and ``status`` are for the API."""

    code = "ledger_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransfer(LedgerError):
    code = "invalid_transfer"


class LimitExceeded(LedgerError):
    """The debit account would go below its floor, or the credit account above its ceiling."""

    code = "limit_exceeded"
    status = 422

    def __init__(self, *, name: str, limit: int, most: int, is_floor: bool) -> None:
        values = {"name": name, "limit": minutes_display(limit), "most": minutes_display(most)}
        if is_floor:
            message = (
                _(
                    "%(name)s's balance would go below %(limit)s; "
                    "the most %(name)s can give now is %(most)s."
                )
                % values
            )
        else:
            message = (
                _(
                    "%(name)s's balance would go above %(limit)s; "
                    "the most %(name)s can receive now is %(most)s."
                )
                % values
            )
        super().__init__(message)
        self.name = name
        self.limit = limit
        self.most = most
        self.is_floor = is_floor


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    status = 409

    def __init__(self) -> None:
        super().__init__(
            _("This request key was already used for a different transfer. Send a new key.")
        )


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    status = 409

    def __init__(self) -> None:
        super().__init__(_("This transfer has already been reversed."))


class NotReversible(LedgerError):
    code = "not_reversible"
    status = 409


class AlreadyResolved(LedgerError):
    code = "already_resolved"
    status = 409


class NotPending(LedgerError):
    code = "not_pending"
    status = 409

    def __init__(self) -> None:
        super().__init__(_("Only a transfer on hold can be confirmed or cancelled."))


class LinkUnavailable(LedgerError):
    code = "link_unavailable"
    status = 409
