"""Refusals from the services, and the one table that gives each refusal's code its HTTP status.

A service refuses with a ``DomainError`` subclass of its app (``ledger/errors.py``): a ``code``
for programs and a plain message for people. Pages show the message beside the form
(``edge.refusals``); the API answers ``{"error": {"code", "message", "fields"}}`` with the
status this table gives the code, whichever router the refusal came through. A test
(``api/tests/test_error_mapping.py``) walks every DomainError subclass of every app and every
``ApiError`` the code raises, and fails on a code missing here or answered with another status.
"""

from __future__ import annotations

from typing import ClassVar

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
