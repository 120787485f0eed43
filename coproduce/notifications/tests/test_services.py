"""notification_send_within as the exchanges app calls it, and the services behind the choices
page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)
from coproduce.notifications import services
from coproduce.notifications.models import Notification, NotificationPreference, Topic
from coproduce.notifications.selectors import preference_get
from coproduce.notifications.tests.conftest import MESSAGE_TEMPLATE
from coproduce.notifications.tokens import unsubscribe_token_read

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 15)


def send(membership, topic=Topic.MESSAGES, subject="Yes", **context):
    services.notification_send_within(
        membership=membership,
        topic=topic,
        subject=subject,
        template=MESSAGE_TEMPLATE,
        context={"text": "Lift to the shops", "day": DAY, **context},
    )


def test_the_email_goes_after_commit_with_one_click_unsubscribe(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(member, subject=gettext_noop("Message about %(text)s"))
    assert mailoutbox == []  # nothing leaves before the caller's transaction commits
    for callback in callbacks:
        callback()
    [email] = mailoutbox
    assert email.to == [member.user.email]
    assert email.subject == "Message about Lift to the shops"
    assert "Lift to the shops on 15 January 2026" in email.body
    # Plain text: nothing is HTML-escaped.
    assert "Tom & Jo <b>" in email.body
    assert f"Hello {member.profile.display_name}," in email.body
    assert "Link: https://coproduce.example.org/somewhere/" in email.body
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://coproduce.example.org/notifications/unsubscribe/")
    assert unsubscribe.strip("<>") in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.strip("<>").rstrip("/").rsplit("/", 1)[1]
    assert unsubscribe_token_read(token) == (member.pk, "messages")
    notification = Notification.objects.get()
    assert (notification.community, notification.membership) == (member.community, member)
    assert notification.topic == Topic.MESSAGES
    assert notification.subject == "Message about Lift to the shops"
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                send(member)
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_topic_turned_off_sends_nothing_and_records_nothing(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    services.preference_update(
        actor=member, member=member, topics_on=[Topic.REQUESTS, Topic.DIGEST]
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(member, topic=Topic.MESSAGES)
        send(member, topic=Topic.REQUESTS)
    assert [n.topic for n in Notification.objects.all()] == [Topic.REQUESTS]
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("user_language", "community_language", "expected"),
    [("cy", "en", "cy"), ("", "cy", "cy"), ("en", "cy", "en"), ("", "en", "en")],
)
def test_the_email_is_in_the_members_language(
    user_language,
    community_language,
    expected,
    immediate_tasks,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    member = MembershipFactory(
        community=CommunityFactory(language=community_language), user__language=user_language
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(member, subject=gettext_noop("Yes"))
    [email] = mailoutbox
    assert email.extra_headers["Content-Language"] == expected
    if expected == "cy":
        # Django's own Welsh catalog: "Yes" is "Ydy", January is "Ionawr".
        assert email.subject == "Ydy"
        assert "Ydy: Lift to the shops" in email.body
        assert "15 Ionawr 2026" in email.body
    else:
        assert email.subject == "Yes"
        assert "15 January 2026" in email.body


def test_a_member_without_a_login_gets_no_email_but_coordinators_see_it(
    community, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    member = MembershipFactory(community=community, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        send(member, subject=gettext_noop("About %(text)s"))
    assert mailoutbox == []
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.NOT_EMAILED
    assert notification.subject == "About Lift to the shops"
    assert notification.sent_at is None


def test_members_who_left_or_whose_login_is_switched_off_get_nothing(
    community, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    left = MembershipFactory(community=community)
    left.status = left.Status.LEFT
    left.save(update_fields=["status"])
    switched_off = MembershipFactory(community=community, user__is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        send(left)
        send(switched_off)
    assert mailoutbox == []
    assert list(Notification.objects.values_list("membership_id", "status")) == [
        (switched_off.pk, Notification.Status.NOT_EMAILED)
    ]


def test_an_unknown_topic_is_a_programming_error(member):
    with pytest.raises(ValueError, match="Unknown notification topic"):
        send(member, topic="gossip")


def test_a_keyed_notification_is_sent_once(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            services._notification_send(
                membership=member,
                topic=Topic.REMINDERS,
                subject=gettext_noop("Yes"),
                template=MESSAGE_TEMPLATE,
                context={"text": "x", "day": DAY},
                key="exchange:1:unconfirmed",
            )
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_a_failed_email_is_recorded_as_failed(
    member, immediate_tasks, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # A real SMTP backend pointed at a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        send(member)
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.FAILED
    assert notification.sent_at is None


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_and_worker_deliver_it(member, mailoutbox):
    """The production path: a row in the task queue after commit, sent by `db_worker`."""
    with transaction.atomic():
        send(member)
        assert not DBTaskResult.objects.exists()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "coproduce.notifications.tasks.email_send"
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert [email.to for email in mailoutbox] == [[member.user.email]]
    assert Notification.objects.get().status == Notification.Status.SENT


def test_email_send_skips_a_notification_that_no_longer_exists(member, immediate_tasks, mailoutbox):
    from coproduce.notifications.tasks import email_send

    result = email_send.enqueue(
        notification_id=987654, to="x@example.org", subject="s", body="b", headers={}
    )
    assert result.return_value is False
    assert mailoutbox == []


# --- Choices ------------------------------------------------------------------------------------


def test_every_topic_is_on_until_changed(member):
    preference = preference_get(membership=member)
    assert preference.pk is None
    assert all(preference.wants(topic) for topic in Topic.values)


def test_a_member_changes_their_own_choices(member):
    services.preference_update(actor=member, member=member, topics_on=[Topic.CONFIRMATIONS])
    preference = NotificationPreference.objects.get(membership=member)
    assert preference.community == member.community
    assert preference.updated_by == member
    assert [t for t in Topic.values if preference.wants(t)] == [Topic.CONFIRMATIONS]


def test_a_coordinator_changes_a_members_choices_for_them(community, member):
    coordinator = CoordinatorFactory(community=community)
    services.preference_update(actor=coordinator, member=member, topics_on=[])
    preference = preference_get(membership=member)
    assert preference.updated_by == coordinator
    assert not any(preference.wants(t) for t in Topic.values)


def test_another_member_or_another_communitys_coordinator_may_not(community, member):
    neighbour = MembershipFactory(community=community)
    stranger = CoordinatorFactory()
    for actor in (neighbour, stranger):
        with pytest.raises(PermissionDenied):
            services.preference_update(actor=actor, member=member, topics_on=[])
    assert not NotificationPreference.objects.exists()


def test_one_topic_turned_off_and_on_again_by_the_link(member):
    services.preference_topic_set(membership=member, topic=Topic.DIGEST, wants=False)
    preference = preference_get(membership=member)
    assert not preference.wants(Topic.DIGEST)
    assert preference.wants(Topic.MESSAGES)
    services.preference_topic_set(membership=member, topic=Topic.DIGEST, wants=True)
    assert preference_get(membership=member).wants(Topic.DIGEST)


def test_a_subject_filled_in_by_the_caller_may_contain_percent_signs(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(member, subject="Cakes at 50%(off) for “Lift”")
    assert mailoutbox[0].subject == "Cakes at 50%(off) for “Lift”"
