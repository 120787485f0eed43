"""Who must use a second factor, and whether this session has passed it (DESIGN §4)."""

from __future__ import annotations

import enum
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest

from coproduce.people.hooks import user_has_staff_role


class SecondFactorNeeded(enum.Enum):
    SET_UP = "set_up"  # a staff member with no authenticator app yet
    ENTER_CODE = "enter_code"  # has one, but this session was opened without its code


def user_has_second_factor(user_id: int) -> bool:
    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()


def session_passed_second_factor(request: HttpRequest, user: Any) -> bool:
    """allauth records each step of signing in in the session: "mfa" once a code from the
    authenticator app (or a recovery code) was accepted, at sign-in, on re-authentication, or
    when the app was set up in this session (see people.signals)."""
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def staff_second_factor_needed(request: HttpRequest, user: Any) -> SecondFactorNeeded | None:
    """What a coordinator, admin or operator must still do before this session may be used.

    Everyone else (members, partners, anonymous visitors) needs nothing: None.
    """
    if not (settings.COPRODUCE_STAFF_MFA_REQUIRED and user.is_authenticated):
        return None
    if not (user.is_staff or user_has_staff_role(user.pk)):
        return None
    if not user_has_second_factor(user.pk):
        return SecondFactorNeeded.SET_UP
    if not session_passed_second_factor(request, user):
        return SecondFactorNeeded.ENTER_CODE
    return None
