"""Middleware for people: their chosen language, and the second factor staff must use."""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from coproduce.people.hooks import user_has_staff_role

# The language a signed-in person chose, kept in their session (set at sign-in from User.language).
LANGUAGE_SESSION_KEY = "coproduce_language"

# Paths a coordinator without a second factor may still use: to set one up, or to leave.
SECOND_FACTOR_SETUP_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/favicon")


class UserLanguageMiddleware:
    """Use the language a signed-in person chose, on any device, before LocaleMiddleware runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if language and translation.check_for_language(language):
                request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


def user_has_second_factor(user_id: int) -> bool:
    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()


class StaffSecondFactorMiddleware:
    """Refuse coordinators and admins who have not set up a second factor (DESIGN §4).

    They may still reach the pages that set one up. The demo can switch this off, and then
    every page says so.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.COPRODUCE_STAFF_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(SECOND_FACTOR_SETUP_PREFIXES)
            and (request.user.is_staff or user_has_staff_role(request.user.pk))
            and not user_has_second_factor(request.user.pk)
        ):
            message = _(
                "Coordinators and administrators must set up a second step for signing in "
                "before they can continue."
            )
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "second_factor_required", "message": message, "fields": {}}},
                    status=403,
                )
            messages.warning(request, message)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
