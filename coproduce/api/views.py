"""The account area's API token pages: make a personal token, see yours, stop one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce.api import selectors as api_selectors
from coproduce.api import services as api_services
from coproduce.people.models import User


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    return request.user


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What the token is for"),
        max_length=80,
        help_text=gettext_lazy("For example: “Surgery spreadsheet”. Only you can see this."),
    )


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
        "api/tokens.html",
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
    return redirect("api_tokens:list")
