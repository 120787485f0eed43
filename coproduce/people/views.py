"""The account area: language, and what the apps above show there (my communities). The API
token pages belong to the api app."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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
