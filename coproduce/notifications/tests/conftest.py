"""Fixtures for notification tests: a template to send."""

from __future__ import annotations

from pathlib import Path

import pytest

TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"
MESSAGE_TEMPLATE = "notifications_test/message.txt"


@pytest.fixture(autouse=True)
def _test_templates(settings):
    """A body template for tests, so they do not depend on another app's wording."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    settings.COPRODUCE_SITE_URL = "https://coproduce.example.org"
