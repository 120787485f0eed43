"""Refusals from the services, and the one table that gives each refusal's code its HTTP status.

A service refuses with a ``DomainError`` subclass of its app (``ledger/errors.py``): a ``code``
for programs and a plain message for people. Pages show the message beside the form
(``edge.refusals``); the API answers ``{"error": {"code", "message", "fields"}}`` with the
status this table gives the code, whichever router the refusal came through. A test
(``api/tests/test_error_mapping.py``) walks every DomainError subclass of every app and every
``ApiError`` the code raises, and fails on a code missing here or answered with another status.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _

# Every error code the API answers, and its one status. docs/api.md lists them for callers.
STATUS_BY_CODE: dict[str, int] = {
    # The API's own answers.
    "invalid": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "second_factor_required": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "server_error": 500,
    "error": 400,
    # Communities.
    "already_member": 409,
    # The ledger (coproduce/ledger/errors.py).
    "ledger_error": 400,
    "invalid_transfer": 400,
    "account_not_allowed": 403,
    "idempotency_conflict": 409,
    "already_reversed": 409,
    "not_reversible": 409,
    "already_resolved": 409,
    "not_pending": 409,
    "link_unavailable": 409,
    "limit_exceeded": 422,
}


def status_for(code: str) -> int:
    """The HTTP status of an error code; KeyError for a code this table does not know."""
    return STATUS_BY_CODE[code]


class DomainError(Exception):
    """Something a service refuses to do, said in the words of the person acting.

    Subclasses set ``code`` (a key of STATUS_BY_CODE); the message says what the person can do
    instead and never names our internals.
    """

    code: ClassVar[str] = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def status(self) -> int:
        return status_for(self.code)


# --- The API's error shape ---------------------------------------------------------------------


class ApiError(Exception):
    """Raise from a handler to answer with a structured error."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def status_error(status: int) -> tuple[str, str]:
    """The code and plain message for an HTTP status when nothing more precise is known."""
    known = {
        400: ("invalid", _("Some of what was sent is not valid.")),
        401: ("unauthenticated", _("Sign in or send a valid API token.")),
        403: ("forbidden", _("You are not allowed to do that.")),
        404: ("not_found", _("Not found. Check the address.")),
        405: ("method_not_allowed", _("This address does not take that method.")),
        409: ("conflict", _("That clashes with something already done.")),
        413: ("too_large", _("The request is too large. Send less at once.")),
        415: (
            "unsupported_media_type",
            _("Send the body as JSON, with the header Content-Type: application/json."),
        ),
        500: (
            "server_error",
            _(
                "Something went wrong on our side and it has been logged. Nothing was "
                "half-saved; try again in a few minutes."
            ),
        ),
    }
    if status in known:
        return known[status]
    return ("server_error", known[500][1]) if status >= 500 else ("error", known[400][1])


def nul_refusal(places: list[str]) -> ApiError:
    """Text holding a NUL character (\\u0000), which no database here can store."""
    message = _("Text cannot hold the NUL character (\\u0000). Remove it and send again.")
    return ApiError(
        400,
        "invalid",
        _("Some of what was sent is not valid."),
        {place: [message] for place in places},
    )
