"""Template context every page needs: the person's communities and the demo notice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from coproduce.communities.selectors import memberships_of_user


def communities(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "is_demo": settings.COPRODUCE_DEMO,
        "staff_mfa_required": settings.COPRODUCE_STAFF_MFA_REQUIRED,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Lazily evaluated: pages that never show the switcher pay no query.
        context["my_memberships"] = memberships_of_user(user_id=user.pk)
    return context
