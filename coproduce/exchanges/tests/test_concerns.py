"""Concerns: raised privately, seen by coordinators, marked as dealt with once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coproduce.exchanges import selectors, services
from coproduce.exchanges.models import Concern
from coproduce.exchanges.tests.factories import make_exchange, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(coordinator):
    community = coordinator.community
    from coproduce.communities.services import community_setup_within

    community_setup_within(community=community)
    giver, receiver = make_member(community), make_member(community)
    exchange = make_exchange(giver, receiver, title="Lift to the hospital")
    return services.exchange_concern_raise(
        actor=receiver, exchange=exchange, text="They arrived very late and were rude."
    )


def test_a_coordinator_marks_a_concern_dealt_with_and_it_leaves_the_open_list(raised, coordinator):
    services.concern_resolve(actor=coordinator, concern=raised, resolution="Spoke to both.")
    assert list(selectors.concern_list(actor=coordinator, is_open=True)) == []
    done = selectors.concern_list(actor=coordinator, is_open=False).get()
    assert (done.resolution, done.resolved_by) == ("Spoke to both.", coordinator)
    with pytest.raises(ValidationError):
        services.concern_resolve(actor=coordinator, concern=raised, resolution="Again")


def test_a_note_is_required_and_nothing_changes_without_one(raised, coordinator):
    with pytest.raises(ValidationError):
        services.concern_resolve(actor=coordinator, concern=raised, resolution="  ")
    assert Concern.objects.get(pk=raised.pk).resolved_at is None


def test_members_cannot_resolve_concerns(raised):
    with pytest.raises(PermissionDenied):
        services.concern_resolve(actor=raised.raised_by, concern=raised, resolution="Fine")


def test_the_coordinators_page_resolves_with_a_form(raised, coordinator_client, coordinator):
    slug = coordinator.community.slug
    page = coordinator_client.get(f"/c/{slug}/exchange/coordinator/").content.decode()
    assert "They arrived very late" in page
    response = coordinator_client.post(
        f"/c/{slug}/exchange/concerns/{raised.pk}/dealt-with/",
        {f"concern-{raised.pk}-text": "Spoke to both; they apologised."},
    )
    assert response.status_code == 302
    page = coordinator_client.get(f"/c/{slug}/exchange/coordinator/").content.decode()
    assert "Spoke to both; they apologised." in page
    assert "No open concerns." in page


def test_members_get_403_from_the_resolve_address(raised, member_client, member):
    response = member_client.post(
        f"/c/{member.community.slug}/exchange/concerns/{raised.pk}/dealt-with/",
        {f"concern-{raised.pk}-text": "x"},
    )
    assert response.status_code == 403
    assert Concern.objects.get(pk=raised.pk).resolved_at is None
