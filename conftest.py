"""Shared pytest fixtures: communities, people and signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` need real concurrency. On SQLite they are deselected, not
    skipped: scripts/test.sh runs the whole suite again on PostgreSQL, where they run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if "postgres" not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set passwords; the default slow hash would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so serve static files without the hashed manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Sign-in rate limits live in the cache; one test's failed logins must not block another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def immediate_tasks(settings):
    """Queued tasks run as soon as they are queued (after commit, for notification_send)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def member(community):
    return MembershipFactory(community=community)


@pytest.fixture
def coordinator(community, settings):
    return CoordinatorFactory(community=community)


@pytest.fixture
def member_client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def coordinator_client(coordinator, settings) -> Client:
    """A coordinator signed in as the platform requires: password, then their authenticator
    app's code (a `force_login` session has not passed the second step, and is signed out)."""
    from coproduce.people.tests.sign_in import sign_in_with_second_factor

    return sign_in_with_second_factor(coordinator.user)
