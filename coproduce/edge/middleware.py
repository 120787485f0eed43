"""One middleware at the edge of every request, for pages and the API alike.

On the way in it refuses a request whose address, query or form holds a NUL character: no
person types one, and PostgreSQL cannot store or even compare text holding one. On the way
out it keeps every error under /api/ in the API's JSON shape, whoever made it: Django (an
unknown path, a bad request, a 500 raised outside the API's handlers) or django-ninja (a
method an endpoint does not take).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coproduce.edge.errors import error_body, nul_refusal, status_error

API_PREFIX = "/api/"
NUL = "\x00"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _nul_places(request: HttpRequest) -> list[str]:
    """Where the request holds a NUL: "__path__", or the names of query or form fields."""
    places = ["__path__"] if NUL in request.path_info else []
    sources = [request.GET]
    if not _is_api(request) and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        # The API takes JSON only (its parser looks there); pages take forms.
        sources.append(request.POST)
    for source in sources:
        for name, values in source.lists():
            if NUL in name or any(NUL in value for value in values):
                places.append(name.replace(NUL, "") or "__all__")
    return places


def _json_error(response: HttpResponseBase) -> JsonResponse:
    code, message = status_error(response.status_code)
    allowed = response.get("Allow")
    if allowed:
        message = _("This address does not take that method. It takes: %(methods)s.") % {
            "methods": allowed
        }
    shaped = JsonResponse(error_body(code, message), status=response.status_code)
    if allowed:
        shaped["Allow"] = allowed
    return shaped


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class EdgeMiddleware:
    """Placed early in MIDDLEWARE, so that it sees every answer made inside it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _is_api(request) and response.status_code >= 400 and not _is_json(response):
            return _json_error(response)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        """Runs once every middleware has run inward (language, session, user), before CSRF
        reads the form, and before the view."""
        places = _nul_places(request)
        if not places:
            return None
        if _is_api(request):
            refusal = nul_refusal(places)
            return JsonResponse(
                error_body(refusal.code, refusal.message, refusal.fields), status=400
            )
        return render(request, "edge/refused.html", status=400)
