"""The account area: language, and what the apps above show there (my communities). The API
token pages belong to the api app. Also the operators' sign-in, which hands over to the one
sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from coproduce.people import hooks
from coproduce.people.middleware import LANGUAGE_SESSION_KEY
from coproduce.people.models import User
from coproduce.people.services import user_language_set


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    return request.user


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie), and remembered for the signed-in person on every device."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=_user(request), language=language)
        request.session[LANGUAGE_SESSION_KEY] = language
    return response


@login_required
def account_overview(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    for part in hooks.account_page.run(_user(request)):
        context.update(part)
    return render(request, "people/account.html", context)


def operators_sign_in(request: HttpRequest) -> HttpResponse:
    """The operators' admin has no sign-in form of its own. Everyone signs in through allauth's,
    which asks coordinators and operators for their second step and limits failed attempts."""
    if request.user.is_authenticated:
        # The admin sends here someone signed in who is not an operator.
        raise PermissionDenied
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
