"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorResponse(Schema):
    error: ErrorBody


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


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, fields), status=status)


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
