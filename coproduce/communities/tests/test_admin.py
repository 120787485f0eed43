"""The operators' admin: an operator (with a second factor) sets up a community."""

from __future__ import annotations

import pytest
from django.test import Client

from coproduce.communities.models import Community
from coproduce.communities.tests.factories import MembershipFactory, UserFactory
from coproduce.exchanges.models import Category
from coproduce.ledger.models import Account
from coproduce.people.tests.sign_in import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client() -> Client:
    return sign_in_with_second_factor(UserFactory(is_staff=True, is_superuser=True))


def test_a_community_made_in_the_admin_is_ready_to_use(operator_client):
    response = operator_client.post(
        "/operators/communities/community/add/",
        {
            "name": "Caol Parents' Nursery",
            "slug": "caol",
            "kind": "service",
            "language": "en",
            "timezone": "Europe/London",
            "accepts_join_requests": "on",
            "uses_mutual_credit": "on",
            "default_floor_minutes": "-600",
            "exchange_auto_confirm_days": "7",
            "created_at_0": "2026-11-26",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    community = Community.objects.get(slug="caol")
    assert Category.objects.filter(community=community, slug="personal-care").exists()
    assert Account.objects.filter(community=community, kind="issuance").exists()


def test_every_admin_list_opens(operator_client):
    MembershipFactory()
    for path in (
        "/operators/people/user/",
        "/operators/communities/community/",
        "/operators/communities/membership/",
        "/operators/communities/organisation/",
        "/operators/communities/invitation/",
        "/operators/api/apitoken/",
        "/operators/exchanges/listing/",
        "/operators/exchanges/exchange/",
        "/operators/ledger/transfer/",
        "/operators/people/user/add/",
    ):
        assert operator_client.get(path).status_code == 200, path


def test_members_cannot_use_the_admin():
    member = MembershipFactory()
    client = Client()
    client.force_login(member.user)
    assert client.get("/operators/communities/community/").status_code == 302


def test_an_operator_without_a_second_factor_is_sent_to_set_one_up():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/operators/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"
