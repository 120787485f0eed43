"""Writes for notifications: email a member about something (queued after commit for the task
worker), a member's choices of what to be emailed about, and one-click unsubscribe.

Other apps call ``notification_send_within`` inside their own transaction; the email goes out
only if that transaction commits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from coproduce.communities.models import Membership
from coproduce.notifications import permissions
from coproduce.notifications.models import (
    TOPIC_FIELDS,
    Notification,
    NotificationPreference,
    Topic,
)
from coproduce.notifications.selectors import preference_get
from coproduce.notifications.tasks import email_send
from coproduce.notifications.tokens import unsubscribe_token_make
from coproduce.transactions import requires_transaction

LAYOUT_TEMPLATE = "notifications/email/layout.txt"
SUBJECT_MAX_LENGTH = 200


# --- Helpers other apps may use in their email templates ---------------------------------------


def site_url() -> str:
    """The address of this site, for links in emails (there is no request to build them from)."""
    return str(settings.COPRODUCE_SITE_URL)


def member_language(membership: Membership) -> str:
    """The language a member reads: their own choice, else their community's."""
    user = membership.user
    language = (user.language if user is not None else "") or membership.community.language
    if language not in dict(settings.LANGUAGES):
        return str(settings.LANGUAGE_CODE)
    return language


def unsubscribe_url(*, membership: Membership, topic: str) -> str:
    token = unsubscribe_token_make(membership_id=membership.pk, topic=topic)
    return site_url() + reverse("emails:unsubscribe", kwargs={"token": token})


def preferences_url(*, membership: Membership) -> str:
    return site_url() + reverse(
        "notifications:preferences", kwargs={"community": membership.community.slug}
    )


# --- Sending ------------------------------------------------------------------------------------


@requires_transaction
def notification_send_within(
    *,
    membership: Membership,
    topic: str,
    subject: str,
    template: str,
    context: dict[str, object],
    key: str = "",
) -> Notification | None:
    """Tell a member something by email, once the caller's transaction commits.

    It joins the caller's transaction (it opens none, and refuses to run outside one).
    ``topic`` is one of ``Topic``; the member may have turned it off, and then nothing happens.

    Mark ``subject`` with ``gettext_noop`` (not ``gettext``): it is translated here, into the
    member's language, and its ``%(name)s`` placeholders are filled from ``context``.

    ``template`` is a plain-text Django template with the body only (the greeting, the
    unsubscribe link and the footer are added). It is rendered without HTML escaping, in the
    member's language and their community's time zone, with ``context`` plus ``recipient``,
    ``recipient_name``, ``community`` and ``site_url`` (write links as
    ``{{ site_url }}{{ thing.get_absolute_url }}``).

    Members without a login (or without an email address) are not emailed; the notification is
    still recorded so that their coordinator can see it and pass it on.

    A non-empty ``key`` sends that notification at most once (a reminder run every day). Returns
    the notification, or None when nothing was recorded (turned off, inactive, already sent).
    """
    return _notification_send(
        membership=membership,
        topic=topic,
        subject=subject,
        template=template,
        context=context,
        key=key,
    )


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    headers: dict[str, str]


def _notification_send(
    *,
    membership: Membership,
    topic: str,
    subject: str,
    template: str,
    context: dict[str, object],
    key: str = "",
) -> Notification | None:
    """As ``notification_send_within``; a non-empty ``key`` sends that notification at most once."""
    if topic not in Topic.values:
        raise ValueError(f"Unknown notification topic {topic!r}; use one of {Topic.values}.")
    if not membership.is_active:
        return None
    if not preference_get(membership=membership).wants(topic):
        return None
    if key and Notification.objects.filter(membership_id=membership.pk, key=key).exists():
        return None
    user = membership.user
    can_email = user is not None and user.is_active and bool(user.email)
    email = _email_render(
        membership=membership,
        topic=Topic(topic),
        subject=subject,
        template=template,
        context=context,
        with_body=can_email,
    )
    notification = Notification(
        community_id=membership.community_id,
        membership=membership,
        topic=topic,
        subject=email.subject,
        key=key,
        status=Notification.Status.QUEUED if can_email else Notification.Status.NOT_EMAILED,
    )
    notification.full_clean(exclude=["community", "membership"], validate_constraints=False)
    notification.save()
    if can_email:
        assert user is not None  # noqa: S101 - can_email says so
        notification_id, to = notification.pk, user.email
        transaction.on_commit(
            lambda: email_send.enqueue(
                notification_id=notification_id,
                to=to,
                subject=email.subject,
                body=email.body,
                headers=email.headers,
            )
        )
    return notification


def _email_render(
    *,
    membership: Membership,
    topic: Topic,
    subject: str,
    template: str,
    context: dict[str, object],
    with_body: bool,
) -> RenderedEmail:
    community = membership.community
    language = member_language(membership)
    with translation.override(language), timezone.override(community.timezone):
        # A msgid marked with gettext_noop is translated here, in the member's language.
        subject_text = gettext(str(subject))
        # If the caller filled it in already and the text itself has "%(", leave it be.
        if "%(" in subject_text:
            with contextlib.suppress(KeyError, ValueError, TypeError):
                subject_text = subject_text % context
        # Header-safe: one line, and short enough for the log.
        subject_text = " ".join(subject_text.split())[:SUBJECT_MAX_LENGTH]
        if not with_body:
            return RenderedEmail(subject=subject_text, body="", headers={})
        unsubscribe = unsubscribe_url(membership=membership, topic=topic)
        profile = getattr(membership, "profile", None)
        recipient_name = profile.display_name if profile is not None else ""
        ours: dict[str, object] = {
            "recipient": membership,
            "recipient_name": recipient_name,
            "community": community,
            "site_url": site_url(),
        }
        body = _text_render(template, {**ours, **context})
        text = _text_render(
            LAYOUT_TEMPLATE,
            {
                **ours,
                "body": body.strip(),
                "topic_label": topic.label,
                "unsubscribe_url": unsubscribe,
                "preferences_url": preferences_url(membership=membership),
            },
        )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    return RenderedEmail(subject=subject_text, body=text, headers=headers)


def _text_render(name: str, context: dict[str, object]) -> str:
    """Render a plain-text template: no HTML escaping, so "Tom & Jo" stays "Tom & Jo"."""
    return Engine.get_default().get_template(name).render(Context(context, autoescape=False))


# --- Choices ------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def preference_update(
    *, actor: Membership, member: Membership, topics_on: Collection[str]
) -> NotificationPreference:
    """Set which topics a member is emailed about: those in ``topics_on``, no others."""
    if not permissions.can_change_preferences(actor, member):
        raise PermissionDenied
    unknown = set(topics_on) - set(Topic.values)
    if unknown:
        raise ValueError(f"Unknown notification topics: {sorted(unknown)}")
    preference = _preference_locked(member)
    for topic, field in TOPIC_FIELDS.items():
        setattr(preference, field, topic in topics_on)
    preference.updated_at = timezone.now()
    preference.updated_by = actor
    preference.save(update_fields=[*TOPIC_FIELDS.values(), "updated_at", "updated_by"])
    return preference


@transaction.atomic(durable=True)
def preference_topic_set(
    *, membership: Membership, topic: str, wants: bool
) -> NotificationPreference:
    """Turn one topic on or off, as the one-click unsubscribe link does (no one signed in)."""
    field = TOPIC_FIELDS[Topic(topic)]
    preference = _preference_locked(membership)
    setattr(preference, field, wants)
    preference.updated_at = timezone.now()
    preference.updated_by = None
    preference.save(update_fields=[field, "updated_at", "updated_by"])
    return preference


def _preference_locked(member: Membership) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
        membership=member, defaults={"community_id": member.community_id}
    )
    return preference
