"""Middleware for people: their chosen language, and the second factor staff must use."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from coproduce.people.permissions import SecondFactorNeeded, staff_second_factor_needed

# The language a signed-in person chose, kept in their session (set at sign-in from User.language).
LANGUAGE_SESSION_KEY = "coproduce_language"

# Paths anyone may use, whatever their second factor.
ALWAYS_ALLOWED_PREFIXES = ("/static/", "/favicon")
# Paths a coordinator without a second factor may still use: to set one up, or to leave.
SECOND_FACTOR_SETUP_PREFIXES = ("/accounts/", "/i18n/")


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


def second_factor_refusal(needed: SecondFactorNeeded) -> str:
    """What a coordinator is told, in words they can act on."""
    if needed is SecondFactorNeeded.SET_UP:
        return _(
            "Coordinators and administrators must set up a second step for signing in "
            "before they can continue."
        )
    return _(
        "Please sign in again, with your password and then the code from your authenticator "
        "app. Coordinators and administrators always need both."
    )


class StaffSecondFactorMiddleware:
    """Coordinators, admins and operators may use the site only in a session that passed the
    second factor (DESIGN §4).

    Without an authenticator app they may still reach the pages that set one up. A session
    opened without the app's code is signed out and sent to the sign-in, which asks for it.
    The demo can switch this off, and then every page says so.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ALWAYS_ALLOWED_PREFIXES):
            return self.get_response(request)
        needed = staff_second_factor_needed(request, request.user)
        if needed is None:
            return self.get_response(request)
        message = second_factor_refusal(needed)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "second_factor_required", "message": message, "fields": {}}},
                status=403,
            )
        if needed is SecondFactorNeeded.SET_UP:
            if request.path.startswith(SECOND_FACTOR_SETUP_PREFIXES):
                return self.get_response(request)
            messages.warning(request, message)
            return redirect("mfa_activate_totp")
        next_path = request.get_full_path() if request.method == "GET" else "/"
        logout(request)
        messages.warning(request, message)
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_path})}")
