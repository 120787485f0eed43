"""What the other side of an exchange is told by email, and in which language."""

from __future__ import annotations

import pytest
from django.core import mail

from coproduce.exchanges import services
from coproduce.exchanges.tests.factories import make_community, make_exchange, make_member, record

pytestmark = pytest.mark.django_db


def test_a_message_is_emailed_to_the_other_side_in_their_language(
    immediate_tasks, django_capture_on_commit_callbacks
):
    community = make_community()
    giver = make_member(community, profile__display_name="Agnes")
    receiver = make_member(community, profile__display_name="Dafydd")
    receiver.user.language = "cy"
    receiver.user.save()
    exchange = make_exchange(giver, receiver, title="Gardening")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_message(actor=giver, exchange=exchange, text="Is Tuesday good?")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [receiver.user.email]
    assert "Agnes" in email.subject and "Gardening" in email.subject
    assert email.subject != "A message from Agnes about Gardening", "the subject is in Welsh"
    assert "Is Tuesday good?" in email.body


def test_recorded_hours_ask_the_other_side_to_confirm(
    immediate_tasks, django_capture_on_commit_callbacks
):
    community = make_community()
    giver = make_member(community, profile__display_name="Agnes")
    receiver = make_member(community)
    exchange = make_exchange(giver, receiver, title="Shopping trip")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record(exchange, by=giver, minutes=90)
    assert [email.subject for email in mail.outbox] == ["Please confirm 1:30 for Shopping trip"]
    assert mail.outbox[0].to == [receiver.user.email]
