"""API authentication: a personal token in `Authorization: Bearer …`, or the signed-in session.

A coordinator's or administrator's session counts only once it passed the second factor. A
personal token stands on its own (no session, so no second step to check): a staff member's
token works once they have set up a second factor.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from coproduce.api.errors import ApiError
from coproduce.api.selectors import user_for_token
from coproduce.communities.selectors import user_has_staff_role
from coproduce.people.middleware import second_factor_refusal
from coproduce.people.permissions import staff_second_factor_needed, user_has_second_factor


def _refuse_staff_without_second_factor(user: Any) -> None:
    if (
        settings.COPRODUCE_STAFF_MFA_REQUIRED
        and (user.is_staff or user_has_staff_role(user.pk))
        and not user_has_second_factor(user.pk)
    ):
        raise ApiError(
            403,
            "second_factor_required",
            _("Coordinators and administrators must set up a second step for signing in."),
        )


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        _refuse_staff_without_second_factor(user)
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session; CSRF is checked for unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        needed = staff_second_factor_needed(request, user)
        if needed is not None:
            raise ApiError(403, "second_factor_required", second_factor_refusal(needed))
        return user
