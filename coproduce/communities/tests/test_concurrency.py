"""Real threads against PostgreSQL: two administrators removing each other at the same moment
still leave the community with one. Deselected on SQLite by the conftest (SQLite serialises
writers; test_permissions.py checks the same rule there without threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from coproduce.communities import services
from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_two_admins_removing_each_other_at_once_leave_one() -> None:
    community = CommunityFactory()
    admins = [MembershipFactory(community=community, is_admin=True) for _ in range(2)]

    def remove_the_other(index: int) -> object:
        return services.membership_roles_set(
            actor=admins[index], member=admins[1 - index], is_member=True, is_admin=False
        )

    run_together(2, remove_the_other)
    assert Membership.objects.filter(community=community, is_admin=True).count() == 1
