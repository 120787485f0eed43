"""One error shape for the whole API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema

# The shape and the API's own refusals live in the edge, which the middleware shares; the
# routers keep importing them from here.
from coproduce.edge.errors import ApiError, error_body, nul_refusal, status_error

__all__ = [
    "ApiError",
    "ErrorBody",
    "ErrorResponse",
    "error_body",
    "error_response",
    "nul_refusal",
    "status_error",
]


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorResponse(Schema):
    error: ErrorBody


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
