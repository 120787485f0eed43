"""The weekly digest and the daily reminders, run as an operator's cron runs them, against the
real listings and exchanges."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.exchanges import services as exchanges
from coproduce.exchanges.models import Category, Exchange, Listing
from coproduce.exchanges.tasks import digest_weekly, reminders_daily
from coproduce.notifications import services
from coproduce.notifications.models import Notification, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.COPRODUCE_SITE_URL = "https://coproduce.example.org"


def community_with_categories(**kwargs):
    community = CommunityFactory(**kwargs)
    exchanges.categories_seed_within(community=community)
    return community


def category(community, slug):
    return Category.objects.get(community=community, slug=slug)


def person(community, *, needs=(), gives=(), **kwargs):
    member = MembershipFactory(community=community, **kwargs)
    member.profile.needs_categories = list(needs)
    member.profile.gives_categories = list(gives)
    member.profile.save(update_fields=["needs_categories", "gives_categories"])
    return member


def listing(owner, kind, slug, title, *, age=timedelta(hours=1), expires_in=timedelta(days=30)):
    made = exchanges.listing_create(
        actor=owner,
        kind=kind,
        category=category(owner.community, slug),
        title=title,
        expires_at=timezone.now() + expires_in,
    )
    Listing.objects.filter(pk=made.pk).update(created_at=timezone.now() - age)
    return made


def recorded_exchange(giver, receiver, title, *, recorded_ago):
    """Hours recorded by the giver `recorded_ago`, waiting for the receiver to confirm."""
    exchange = exchanges.exchange_propose(
        actor=giver,
        giver=giver,
        receiver=receiver,
        category=category(giver.community, "lifts"),
        title=title,
    )
    exchanges.exchange_record(
        actor=giver, exchange=exchange, minutes=90, idempotency_key=uuid.uuid4()
    )
    Exchange.objects.filter(pk=exchange.pk).update(recorded_at=timezone.now() - recorded_ago)
    return Exchange.objects.get(pk=exchange.pk)


def emails_to(mailoutbox, member):
    return [email for email in mailoutbox if email.to == [member.user.email]]


@pytest.fixture
def run(immediate_tasks, django_capture_on_commit_callbacks):
    """Run a management command; emails queued on commit are sent at once."""

    def run_command(name):
        with django_capture_on_commit_callbacks(execute=True):
            call_command(name, verbosity=0)

    return run_command


# --- Weekly digest ------------------------------------------------------------------------------


def test_the_digest_lists_new_matching_listings_from_the_members_community_only(run, mailoutbox):
    home = community_with_categories(name="Riverside")
    away = community_with_categories(name="Hilltop")
    reader = person(home, needs=["gardening"], gives=["it-help"])
    neighbour = person(home)
    listing(neighbour, Listing.Kind.OFFER, "gardening", "Weeding on Saturdays")
    listing(neighbour, Listing.Kind.REQUEST, "it-help", "Help with my new phone")
    listing(neighbour, Listing.Kind.OFFER, "cooking", "Soup for two")  # not an interest
    listing(neighbour, Listing.Kind.REQUEST, "gardening", "Someone to mow")  # they need it too
    listing(neighbour, Listing.Kind.OFFER, "gardening", "Old hedge", age=timedelta(days=8))
    listing(reader, Listing.Kind.OFFER, "gardening", "My own offer")
    listing(person(away), Listing.Kind.OFFER, "gardening", "Hilltop allotment")

    run("notifications_digest")

    [email] = emails_to(mailoutbox, reader)
    assert "Riverside" in email.subject
    assert "Weeding on Saturdays" in email.body
    assert "Help with my new phone" in email.body
    for absent in ("Soup for two", "Someone to mow", "Old hedge", "My own offer", "Hilltop"):
        assert absent not in email.body
    assert "https://coproduce.example.org/c/" in email.body
    assert email.extra_headers["List-Unsubscribe"].startswith("<https://coproduce.example.org/")
    # Nobody else had anything matching.
    assert len(mailoutbox) == 1
    assert Notification.objects.get().topic == Topic.DIGEST


def test_the_digest_sends_nothing_twice_and_respects_choices(run, mailoutbox):
    home = community_with_categories()
    reader = person(home, needs=["gardening"])
    not_interested = person(home, needs=["gardening"])
    services.preference_topic_set(membership=not_interested, topic=Topic.DIGEST, wants=False)
    no_login = person(home, needs=["gardening"], user=None)
    neighbour = person(home)
    listing(neighbour, Listing.Kind.OFFER, "gardening", "Weeding")

    run("notifications_digest")
    run("notifications_digest")

    assert [email.to for email in mailoutbox] == [[reader.user.email]]
    assert not Notification.objects.filter(membership__in=[not_interested, no_login]).exists()

    listing(neighbour, Listing.Kind.OFFER, "gardening", "Pruning", age=timedelta(seconds=0))
    run("notifications_digest")
    assert len(mailoutbox) == 2
    assert "Pruning" in mailoutbox[1].body and "Weeding" not in mailoutbox[1].body


def test_the_digest_is_in_the_members_language(run, mailoutbox):
    home = community_with_categories(language="cy")
    reader = person(home, needs=["gardening"])
    listing(person(home), Listing.Kind.OFFER, "gardening", "Chwynnu")
    run("notifications_digest")
    [email] = mailoutbox
    assert email.extra_headers["Content-Language"] == "cy"
    assert email.to == [reader.user.email]


def test_the_digest_task_can_be_queued_for_the_worker(settings):
    from django_tasks_db.models import DBTaskResult

    call_command("notifications_digest", queue=True, verbosity=0)
    assert DBTaskResult.objects.get().task_path == "coproduce.exchanges.tasks.digest_weekly"


# --- Daily reminders ----------------------------------------------------------------------------


def test_reminders_about_unconfirmed_hours_go_to_the_side_that_must_confirm(run, mailoutbox):
    home = community_with_categories()
    away = community_with_categories()
    giver, receiver = person(home), person(home)
    waiting = recorded_exchange(giver, receiver, "Lift to the clinic", recorded_ago=timedelta(3))
    fresh = recorded_exchange(giver, receiver, "Lift to town", recorded_ago=timedelta(hours=2))
    away_giver, away_receiver = person(away), person(away)
    recorded_exchange(away_giver, away_receiver, "Hilltop lift", recorded_ago=timedelta(3))

    run("notifications_reminders")

    [email] = emails_to(mailoutbox, receiver)
    assert "Lift to the clinic" in email.subject
    assert "Lift to the clinic" in email.body and "1:30" in email.body
    assert str(giver) in email.body
    assert waiting.get_absolute_url() in email.body
    assert fresh.get_absolute_url() not in email.body
    assert "Hilltop" not in email.body
    assert emails_to(mailoutbox, giver) == []
    [away_email] = emails_to(mailoutbox, away_receiver)
    assert "Hilltop lift" in away_email.body and "clinic" not in away_email.body

    run("notifications_reminders")  # a second run reminds nobody again
    assert len(emails_to(mailoutbox, receiver)) == 1


def test_hours_past_the_communitys_limit_are_confirmed_not_reminded(run, mailoutbox):
    home = community_with_categories(exchange_auto_confirm_days=7)
    giver, receiver = person(home), person(home)
    overdue = recorded_exchange(giver, receiver, "Lift to the coast", recorded_ago=timedelta(8))

    run("notifications_reminders")

    overdue.refresh_from_db()
    assert overdue.status == Exchange.Status.CONFIRMED
    assert not Notification.objects.filter(topic=Topic.REMINDERS).exists()


def test_reminders_about_listings_that_close_soon(run, mailoutbox):
    home = community_with_categories()
    owner = person(home)
    closing = listing(owner, Listing.Kind.OFFER, "gardening", "Hedge", expires_in=timedelta(2))
    listing(owner, Listing.Kind.OFFER, "cooking", "Soup", expires_in=timedelta(days=20))
    other = person(home)
    services.preference_topic_set(membership=other, topic=Topic.REMINDERS, wants=False)
    listing(other, Listing.Kind.REQUEST, "lifts", "Lift please", expires_in=timedelta(days=1))

    run("notifications_reminders")
    run("notifications_reminders")

    [email] = mailoutbox
    assert email.to == [owner.user.email]
    assert "Hedge" in email.subject and "Soup" not in email.body
    assert closing.get_absolute_url() in email.body
    assert Notification.objects.get().key.startswith(f"listing:{closing.pk}:")


def test_members_without_a_login_are_listed_for_their_coordinator(run, mailoutbox):
    home = community_with_categories()
    giver, receiver = person(home), person(home, user=None)
    recorded_exchange(giver, receiver, "Lift to the clinic", recorded_ago=timedelta(days=3))
    run("notifications_reminders")
    assert mailoutbox == []
    notification = Notification.objects.get(membership=receiver, topic=Topic.REMINDERS)
    assert notification.status == Notification.Status.NOT_EMAILED
    assert "Lift to the clinic" in notification.subject


def test_the_tasks_report_what_they_did(immediate_tasks, django_capture_on_commit_callbacks):
    home = community_with_categories()
    person(home, needs=["gardening"])
    listing(person(home), Listing.Kind.OFFER, "gardening", "Weeding")
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_weekly.call() == {"digests": 1}
        assert reminders_daily.call() == {"auto_confirmed": 0, "unconfirmed": 0, "expiring": 0}
