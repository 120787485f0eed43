"""The NinjaAPI object: authentication, error handlers and every app's router."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.log import log_response
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from coproduce.api.auth import SessionAuth, TokenAuth
from coproduce.api.errors import ApiError, error_response, status_error
from coproduce.api.schema import JsonParser
from coproduce.edge.errors import DomainError

api = NinjaAPI(
    title="Coproduce API",
    version="1",
    description=(
        "Community-scoped JSON API. Authenticate with a personal token "
        "(`Authorization: Bearer cp_…`, made on the Account page) or the browser session. "
        'Errors always answer `{"error": {"code", "message", "fields"}}`. '
        "Time is in whole minutes."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Swagger UI comes from ninja's static files; no validator badge from a third-party site.
    docs=Swagger(settings={"validatorUrl": None}),
    parser=JsonParser(),
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(
        api, request, status=exc.status, code=exc.code, message=exc.message, fields=exc.fields
    )


@api.exception_handler(DomainError)
def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A service's refusal, from any router: its code, with the one status the code has
    (edge.errors.STATUS_BY_CODE), and the message a page shows for it."""
    return error_response(api, request, status=exc.status, code=exc.code, message=exc.message)


@api.exception_handler(NinjaValidationError)
def _invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", [])
            if part not in ("body", "payload", "query", "path")
        ]
        fields.setdefault(".".join(location) or "__all__", []).append(str(error.get("msg", "")))
    return error_response(
        api,
        request,
        status=400,
        code="invalid",
        message=_("Some of what was sent is not valid."),
        fields=fields,
    )


@api.exception_handler(ValidationError)
def _model_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = {
            name: [str(message) for error in errors for message in error.messages]
            for name, errors in exc.error_dict.items()
        }
        message = _("Some of what was sent is not valid.")
    else:
        fields = {}
        message = " ".join(str(m) for m in exc.messages)
    return error_response(api, request, status=400, code="invalid", message=message, fields=fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        api,
        request,
        status=401,
        code="unauthenticated",
        message=_("Sign in or send a valid API token."),
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(
        api,
        request,
        status=403,
        code="forbidden",
        message=str(exc) or _("You are not allowed to do that."),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(api, request, status=404, code="not_found", message=_("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):
        # django-ninja turns any error of the body parser into a plain 400; answer ours.
        return _api_error(request, exc.__cause__)
    code, _message = status_error(exc.status_code)
    return error_response(api, request, status=exc.status_code, code=code, message=str(exc))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    code, message = status_error(413)
    return error_response(api, request, status=413, code=code, message=message)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Any other error: a 500 in the error shape, DEBUG or not. The traceback goes to the
    log as Django logs an unhandled error (and error reporters hear the same signal); the
    caller never sees it."""
    code, message = status_error(500)
    response = error_response(api, request, status=500, code=code, message=message)
    log_response(
        "Internal Server Error: %s",
        request.path,
        response=response,
        request=request,
        exception=exc,
    )
    got_request_exception.send(sender=None, request=request)
    return response


def _register_routers() -> None:
    from coproduce.communities.api import router as communities_router
    from coproduce.exchanges.api import router as exchanges_router
    from coproduce.ledger.api import router as ledger_router

    api.add_router("/", communities_router)
    api.add_router("/", ledger_router)
    api.add_router("/", exchanges_router)


_register_routers()
