"""What a member wants to be emailed about, and a log of what we told them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from coproduce.communities.models import Community, Membership


class Topic(models.TextChoices):
    """What an email is about. A member turns each topic on or off."""

    MESSAGES = "messages", _("Messages from other members")
    REQUESTS = "requests", _("Someone asks for your help, or answers you")
    CONFIRMATIONS = "confirmations", _("Hours to check and hours confirmed")
    DIGEST = "digest", _("A weekly list of new offers and requests you may like")
    REMINDERS = "reminders", _("Reminders")


# The preference field that holds each topic.
TOPIC_FIELDS: dict[str, str] = {
    Topic.MESSAGES: "wants_messages",
    Topic.REQUESTS: "wants_requests",
    Topic.CONFIRMATIONS: "wants_confirmations",
    Topic.DIGEST: "wants_digest",
    Topic.REMINDERS: "wants_reminders",
}


class NotificationPreference(models.Model):
    """One row per membership, made the first time someone changes it; no row = every topic on."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("community"),
    )
    membership = models.OneToOneField(
        Membership,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("membership"),
    )
    wants_messages = models.BooleanField(
        _("Messages from other members"),
        default=True,
        help_text=_("When someone sends you a message about an offer or a request."),
    )
    wants_requests = models.BooleanField(
        _("Someone asks for your help, or answers you"),
        default=True,
        help_text=_("When someone asks for what you offer, or offers what you asked for."),
    )
    wants_confirmations = models.BooleanField(
        _("Hours to check and hours confirmed"),
        default=True,
        help_text=_("When someone records hours with you, and when hours are confirmed."),
    )
    wants_digest = models.BooleanField(
        _("A weekly list of new offers and requests you may like"),
        default=True,
        help_text=_("Once a week, only when there is something new."),
    )
    wants_reminders = models.BooleanField(
        _("Reminders"),
        default=True,
        help_text=_("Hours still waiting for you to check, and your offers about to end."),
    )
    updated_at = models.DateTimeField(_("changed"), default=now)
    updated_by = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        verbose_name = _("email choice")
        verbose_name_plural = _("email choices")

    def __str__(self) -> str:
        return str(self.membership_id)

    def wants(self, topic: str) -> bool:
        return bool(getattr(self, TOPIC_FIELDS[topic]))


class Notification(models.Model):
    """What we told a member (or, for members without a login, what a coordinator should)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Sent by email")
        FAILED = "failed", _("Could not be sent")
        NOT_EMAILED = "not_emailed", _("Not emailed: no email address, a coordinator passes it on")

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("community"),
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("member"),
    )
    topic = models.CharField(_("about"), max_length=16, choices=Topic.choices)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    # Reminders say one thing once: "exchange:12:unconfirmed" is sent to a member at most once.
    key = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "key"],
                condition=~Q(key=""),
                name="notification_key_once_per_member",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(status="sent"),
                name="notification_sent_at_only_when_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["membership", "-created_at"]),
            models.Index(fields=["membership", "topic", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject
