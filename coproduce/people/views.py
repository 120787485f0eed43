"""The account area: language, my communities, personal API tokens; the operators' sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from coproduce.api import selectors as api_selectors
from coproduce.api import services as api_services
from coproduce.communities.selectors import memberships_of_user
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
    return render(
        request,
        "people/account.html",
        {"memberships": memberships_of_user(user_id=request.user.pk)},
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What the token is for"),
        max_length=80,
        help_text=gettext_lazy("For example: “Surgery spreadsheet”. Only you can see this."),
    )


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


@login_required
@never_cache  # the page shows a new token once: no browser or proxy may keep a copy
def api_token_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = api_services.api_token_create(user=user, name=form.cleaned_data["name"]).raw
        form = ApiTokenForm()
    return render(
        request,
        "people/api_tokens.html",
        {
            "form": form,
            "tokens": api_selectors.api_tokens_of_user(user=user),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    token = api_selectors.api_token_get(user=user, pk=pk)
    api_services.api_token_revoke(user=user, token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("people:api_tokens")
