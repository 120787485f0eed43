"""Reads for notifications never cross communities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from coproduce.communities.tests.factories import CoordinatorFactory, MembershipFactory
from coproduce.notifications import selectors, services
from coproduce.notifications.models import Topic
from coproduce.notifications.tests.conftest import MESSAGE_TEMPLATE
from coproduce.notifications.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db


def test_what_a_member_was_told_is_seen_only_from_their_community(community, member):
    services.notification_send_within(
        membership=member,
        topic=Topic.MESSAGES,
        subject="Secret of alpha",
        template=MESSAGE_TEMPLATE,
        context={"text": "x", "day": dt.date(2026, 1, 1)},
    )
    own_coordinator = CoordinatorFactory(community=community)
    stranger = CoordinatorFactory()
    seen = selectors.notification_list(actor=own_coordinator, member=member)
    assert [notification.subject for notification in seen] == ["Secret of alpha"]
    assert list(selectors.notification_list(actor=stranger, member=member)) == []


def test_an_unsubscribe_link_of_someone_who_left_no_longer_works(community):
    member = MembershipFactory(community=community)
    token = unsubscribe_token_make(membership_id=member.pk, topic=Topic.MESSAGES)
    assert selectors.unsubscribe_target(token=token) == (member, Topic.MESSAGES)
    member.status = member.Status.LEFT
    member.save(update_fields=["status"])
    with pytest.raises(Http404):
        selectors.unsubscribe_target(token=token)
