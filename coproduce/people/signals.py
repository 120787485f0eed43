"""On sign-in, bring back the language the person chose on another device; when someone sets up
an authenticator app, count it as this session's second step."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from coproduce.people.middleware import LANGUAGE_SESSION_KEY
from coproduce.people.models import User


@receiver(user_logged_in)
def remember_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and isinstance(user, User) and user.language:
        request.session[LANGUAGE_SESSION_KEY] = user.language


@receiver(authenticator_added)
def record_second_step_on_set_up(
    sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    """Setting up the app means typing a valid code from it, in this signed-in session: as good
    as entering it at sign-in. allauth records nothing then, so we record it as allauth records
    a code entered at sign-in (and pinned allauth's version; a test fails if this stops working)."""
    if (
        request is not None
        and authenticator.type == Authenticator.Type.TOTP
        and getattr(request, "user", None) is not None
        and request.user.pk == user.pk
    ):
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, set_up=True
        )
