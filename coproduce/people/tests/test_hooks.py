"""The people layer's hooks: the staff check fails closed when no app answers it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from coproduce.communities.tests.factories import CoordinatorFactory, MembershipFactory
from coproduce.people import hooks

pytestmark = pytest.mark.django_db


def test_communities_answers_who_is_staff():
    assert hooks.user_has_staff_role(CoordinatorFactory().user.pk)
    assert not hooks.user_has_staff_role(MembershipFactory().user.pk)


def test_with_no_app_to_answer_nobody_is_waved_through(monkeypatch):
    monkeypatch.setattr(hooks.staff_role, "_receivers", [])
    with pytest.raises(ImproperlyConfigured):
        hooks.user_has_staff_role(MembershipFactory().user.pk)
