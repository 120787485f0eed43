"""The community most ledger tests run in: mutual and issued credits, a floor of −10:00."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Community, Membership
from coproduce.ledger.tests.factories import make_community, make_coordinator


@pytest.fixture
def town() -> Community:
    return make_community(default_floor_minutes=-600, uses_issued_credits=True)


@pytest.fixture
def boss(town: Community) -> Membership:
    return make_coordinator(town)
