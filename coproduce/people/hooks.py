"""What the people layer asks the apps above it: it knows users, not the communities they are in.

The apps above register in their ``AppConfig.ready()``; this app never imports them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from coproduce.hooks import Hook
from coproduce.people.models import User

staff_role: Hook[int, bool] = Hook("staff_role")
"""Does the user (by id) hold a staff role, coordinator or admin, anywhere? communities answers.
Staff must use a second factor."""

account_page: Hook[User, Mapping[str, object]] = Hook("account_page")
"""What the account page shows from the apps above: each receiver answers with its part of the
page's context (communities: ``memberships``)."""


def user_has_staff_role(user_id: int) -> bool:
    answers = staff_role.run(user_id)
    if not answers:
        # Fail closed: "nobody said staff" must never let a coordinator skip the second factor.
        raise ImproperlyConfigured("No installed app answers people.hooks.staff_role.")
    return any(answers)
