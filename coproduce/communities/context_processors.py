"""Template context every page needs: whether this is the demo, and whether it says so."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def communities(request: HttpRequest) -> dict[str, Any]:
    return {
        "is_demo": settings.COPRODUCE_DEMO,
        "staff_mfa_required": settings.COPRODUCE_STAFF_MFA_REQUIRED,
    }
