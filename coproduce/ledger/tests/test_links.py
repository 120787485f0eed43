"""Links between communities and the gifts that cross them (ledger/services/links.py)."""

from __future__ import annotations

import uuid

import pytest

from coproduce.ledger import services
from coproduce.ledger.errors import (
    LimitExceeded,
    LinkUnavailable,
)
from coproduce.ledger.models import Transfer
from coproduce.ledger.reconcile import ledger_reconcile
from coproduce.ledger.tests.factories import (
    account_of,
    linked,
    make_community,
    make_coordinator,
    make_member,
)

pytestmark = pytest.mark.django_db

Kind = Transfer.Kind


# --- Between communities --------------------------------------------------------------------------


def test_credits_cross_to_a_linked_community_in_two_legs_at_once() -> None:
    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    legs = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=120, memo="For Mum"
    )
    assert [leg.community_id for leg in legs] == [giver.community_id, parent.community_id]
    assert legs[0].batch_id == legs[1].batch_id
    assert account_of(giver).balance == -120
    assert account_of(parent).balance == 120
    assert ledger_reconcile().is_clean


def test_the_link_limit_stops_both_legs() -> None:
    here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    services.account_limits_set(
        actor=here_boss, account=account_of(giver), floor=None, ceiling=None
    )
    with pytest.raises(LimitExceeded):
        services.inter_community_transfer_create(
            actor=giver, link=link, recipient=parent, minutes=601
        )
    assert not Transfer.objects.exists()
    services.inter_community_transfer_create(actor=giver, link=link, recipient=parent, minutes=600)


def test_either_side_can_pause_the_link() -> None:
    here_boss, there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    services.community_link_pause(actor=there_boss, link=link)
    with pytest.raises(LinkUnavailable):
        services.inter_community_transfer_create(
            actor=giver, link=link, recipient=parent, minutes=5
        )
    services.community_link_resume(actor=here_boss, link=link)
    services.inter_community_transfer_create(actor=giver, link=link, recipient=parent, minutes=5)


def test_an_inter_community_gift_with_one_key_is_recorded_once() -> None:
    _here_boss, _there_boss, giver, parent = linked()
    from coproduce.ledger.models import CommunityLink

    link = CommunityLink.objects.get()
    key = uuid.uuid4()
    first = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=30, idempotency_key=key
    )
    again = services.inter_community_transfer_create(
        actor=giver, link=link, recipient=parent, minutes=30, idempotency_key=key
    )
    assert [t.pk for t in first] == [t.pk for t in again]


def test_an_unaccepted_link_cannot_be_used() -> None:
    here, there = make_community(), make_community()
    link = services.community_link_create(
        actor=make_coordinator(here),
        partner_slug=there.slug,
        limit_to_partner=60,
        limit_from_partner=60,
    )
    with pytest.raises(LinkUnavailable):
        services.inter_community_transfer_create(
            actor=make_member(here), link=link, recipient=make_member(there), minutes=5
        )
