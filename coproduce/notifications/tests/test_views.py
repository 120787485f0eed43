"""The email choices page and the one-click unsubscribe page, as members and mail programs use
them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_noop

from coproduce.communities.tests.factories import CoordinatorFactory, MembershipFactory
from coproduce.notifications import services
from coproduce.notifications.models import Notification, NotificationPreference, Topic
from coproduce.notifications.selectors import preference_get
from coproduce.notifications.tests.conftest import MESSAGE_TEMPLATE
from coproduce.notifications.tokens import unsubscribe_token_make

pytestmark = pytest.mark.django_db

ALL_ON = {
    "wants_messages": "on",
    "wants_requests": "on",
    "wants_confirmations": "on",
    "wants_digest": "on",
    "wants_reminders": "on",
}


def preferences_url(community, member=None) -> str:
    if member is None:
        return reverse("notifications:preferences", kwargs={"community": community.slug})
    return reverse(
        "notifications:member_preferences", kwargs={"community": community.slug, "pk": member.pk}
    )


def unsubscribe_url(member, topic=Topic.DIGEST) -> str:
    token = unsubscribe_token_make(membership_id=member.pk, topic=topic)
    return reverse("emails:unsubscribe", kwargs={"token": token})


def told(member, subject: str) -> None:
    services.notification_send_within(
        membership=member,
        topic=Topic.MESSAGES,
        subject=subject,
        template=MESSAGE_TEMPLATE,
        context={"text": "x", "day": dt.date(2026, 1, 1)},
    )


# --- The choices page ---------------------------------------------------------------------------


def test_a_member_sees_their_choices_and_what_we_told_them(community, member, member_client):
    told(member, gettext_noop("Sam wrote to you"))
    page = member_client.get(preferences_url(community))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Emails you get" in html
    assert member.user.email in html
    assert "Sam wrote to you" in html
    for field in ALL_ON:
        assert f'name="{field}"' in html
    assert html.count("checked") == len(ALL_ON)  # every topic on by default
    assert "<script" not in html


def test_a_member_turns_topics_off(community, member, member_client):
    response = member_client.post(
        preferences_url(community), {"wants_messages": "on", "wants_reminders": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == preferences_url(community)
    preference = preference_get(membership=member)
    assert [t for t in Topic.values if preference.wants(t)] == [Topic.MESSAGES, Topic.REMINDERS]
    page = member_client.get(response["Location"])
    assert "Your email choices are saved." in page.content.decode()


def test_a_coordinator_changes_a_members_choices_and_sees_what_they_were_told(
    community, coordinator_client
):
    member = MembershipFactory(
        community=community, user=None, profile__display_name="Dilys without email"
    )
    told(member, gettext_noop("Your hours were confirmed"))
    url = preferences_url(community, member)
    page = coordinator_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Emails Dilys without email gets" in html
    assert "They do not sign in, so we do not send them emails." in html
    assert "Your hours were confirmed" in html
    assert "a coordinator passes it on" in html
    response = coordinator_client.post(url, {"wants_digest": "on"})
    assert response.status_code == 302 and response["Location"] == url
    page = coordinator_client.get(url).content.decode()
    assert "The email choices of Dilys without email are saved." in page
    preference = NotificationPreference.objects.get(membership=member)
    assert [t for t in Topic.values if preference.wants(t)] == [Topic.DIGEST]


def test_a_member_may_not_open_another_members_choices(community, member_client):
    neighbour = MembershipFactory(community=community)
    url = preferences_url(community, neighbour)
    assert member_client.get(url).status_code == 403
    assert member_client.post(url, {}).status_code == 403
    assert not NotificationPreference.objects.exists()


def test_another_communitys_people_get_404(member):
    from coproduce.people.tests.sign_in import sign_in_with_second_factor

    outsider = CoordinatorFactory()
    client = sign_in_with_second_factor(outsider.user)
    community = member.community
    assert client.get(preferences_url(outsider.community)).status_code == 200
    assert client.get(preferences_url(community)).status_code == 404
    assert client.get(preferences_url(community, member)).status_code == 404
    assert client.get(preferences_url(outsider.community, member)).status_code == 404


def test_signing_in_is_needed_for_the_choices_page(community):
    response = Client().get(preferences_url(community))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_choices_page_costs_the_same_queries_however_much_we_told(
    community, member, member_client, django_assert_num_queries
):
    told(member, gettext_noop("First"))
    with CaptureQueriesContext(connection) as few:
        member_client.get(preferences_url(community))
    for number in range(40):
        told(member, gettext_noop("Message %(number)s") % {"number": number})
    services.preference_update(actor=member, member=member, topics_on=[Topic.MESSAGES])
    with django_assert_num_queries(len(few.captured_queries)):
        page = member_client.get(preferences_url(community))
    assert page.status_code == 200
    assert page.content.decode().count("<tr>") == 1 + 20  # header and the 20 newest


def test_the_coordinator_page_costs_the_same_queries_too(
    community, coordinator_client, django_assert_num_queries
):
    member = MembershipFactory(community=community)
    url = preferences_url(community, member)
    with CaptureQueriesContext(connection) as few:
        coordinator_client.get(url)
    for number in range(25):
        told(member, gettext_noop("Message %(number)s") % {"number": number})
    with django_assert_num_queries(len(few.captured_queries)):
        assert coordinator_client.get(url).status_code == 200


def test_the_nav_links_to_the_choices_page(community, member_client):
    page = member_client.get(reverse("communities:home", kwargs={"community": community.slug}))
    assert preferences_url(community) in page.content.decode()


# --- One-click unsubscribe ----------------------------------------------------------------------


def test_the_link_asks_first_without_signing_in_then_one_button_stops_the_emails(member):
    client = Client()
    url = unsubscribe_url(member, Topic.DIGEST)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stop these emails?" in html
    assert member.community.name in html
    assert str(Topic.DIGEST.label) in html
    assert html.count('type="submit"') >= 1
    assert preference_get(membership=member).wants(Topic.DIGEST)  # GET changes nothing

    done = client.post(url)
    assert done.status_code == 200
    assert "Emails stopped" in done.content.decode()
    preference = preference_get(membership=member)
    assert not preference.wants(Topic.DIGEST)
    assert preference.wants(Topic.MESSAGES)


def test_a_mail_programs_one_click_post_stops_the_emails(member):
    """RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click", with no cookie or CSRF."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_url(member, Topic.MESSAGES),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not preference_get(membership=member).wants(Topic.MESSAGES)


def test_the_link_from_a_real_email_works(
    member, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        told(member, gettext_noop("Hello"))
    link = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("https://coproduce.example.org")
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not preference_get(membership=member).wants(Topic.MESSAGES)
    with django_capture_on_commit_callbacks(execute=True):
        told(member, gettext_noop("Hello again"))
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_changed_my_mind_starts_them_again(member):
    url = unsubscribe_url(member, Topic.REMINDERS)
    client = Client()
    client.post(url)
    again = client.get(url)
    assert "already stopped" in again.content.decode()
    response = client.post(url, {"action": "resubscribe"})
    assert "Emails started again" in response.content.decode()
    assert preference_get(membership=member).wants(Topic.REMINDERS)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_changed_link_is_a_kind_404(member, method):
    good = unsubscribe_token_make(membership_id=member.pk, topic=Topic.DIGEST)
    forged = unsubscribe_token_make(membership_id=member.pk, topic="digest")[:-3] + "abc"
    # Another member's payload with this member's signature.
    other_payload = unsubscribe_token_make(membership_id=member.pk + 1, topic=Topic.DIGEST)
    other_member = other_payload.split(":")[0] + ":" + good.split(":")[1]
    for token in (forged, good[:-10], "not-a-real-token", other_member):
        response = getattr(Client(), method)(reverse("emails:unsubscribe", kwargs={"token": token}))
        assert response.status_code == 404
        assert "Sorry, this link does not work" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_token_for_an_unknown_topic_is_a_404(member):
    url = reverse(
        "emails:unsubscribe",
        kwargs={"token": unsubscribe_token_make(membership_id=member.pk, topic="gossip")},
    )
    assert Client().post(url).status_code == 404


def test_the_unsubscribe_page_speaks_the_members_language(member):
    member.user.language = "cy"
    member.user.save(update_fields=["language"])
    page = Client().get(unsubscribe_url(member))
    assert page.status_code == 200
    assert '<html lang="cy">' in page.content.decode()
    chosen = Client()
    chosen.cookies["coproduce_language"] = "en"
    assert '<html lang="en">' in chosen.get(unsubscribe_url(member)).content.decode()
