"""Exchanges earn credits under the community's credit rule (Fureai Kippu: personal care ×2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coproduce.communities.tests.factories import CoordinatorFactory
from coproduce.exchanges import services
from coproduce.exchanges.tests.factories import (
    category,
    make_community,
    make_exchange,
    make_member,
    record,
)
from coproduce.ledger.models import Account
from coproduce.ledger.services import credit_rule_create

pytestmark = pytest.mark.django_db


def balance(member) -> int:
    return Account.objects.get(membership=member).balance


def test_an_hour_of_personal_care_earns_two_under_the_communitys_rule():
    community = make_community()
    coordinator = CoordinatorFactory(community=community)
    now = timezone.now()
    credit_rule_create(actor=coordinator, starts_at=now, category_per_mille={"personal-care": 2000})
    giver, receiver = make_member(community), make_member(community)
    care = make_exchange(
        giver, receiver, title="Help with a bath", category=category(community, "personal-care")
    )
    record(care, by=giver, minutes=60, given_at=now + timedelta(seconds=5))
    services.exchange_confirm(actor=receiver, exchange=care)
    assert balance(giver) == 120
    assert balance(receiver) == -120
    garden = make_exchange(giver, receiver, title="Weeding")
    record(garden, by=giver, minutes=60, given_at=now + timedelta(seconds=5))
    services.exchange_confirm(actor=receiver, exchange=garden)
    assert balance(giver) == 180, "other kinds of help stay at one hour for one hour"
