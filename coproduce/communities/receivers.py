"""What communities answers when the people layer asks (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Mapping

from coproduce.communities.selectors import memberships_of_user
from coproduce.people.models import User


def account_page(user: User) -> Mapping[str, object]:
    """The person's communities on their account page."""
    return {"memberships": memberships_of_user(user_id=user.pk)}
