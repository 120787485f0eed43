"""On sign-in, bring back the language the person chose on another device."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from coproduce.people.middleware import LANGUAGE_SESSION_KEY
from coproduce.people.models import User


@receiver(user_logged_in)
def remember_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and isinstance(user, User) and user.language:
        request.session[LANGUAGE_SESSION_KEY] = user.language
