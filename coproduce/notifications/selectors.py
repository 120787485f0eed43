"""Reads for notifications. Every read of community data takes the acting membership."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from coproduce.communities.models import Membership
from coproduce.notifications.models import Notification, NotificationPreference, Topic
from coproduce.notifications.tokens import unsubscribe_token_read

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

RECENT_NOTIFICATIONS = 20


def preference_get(*, membership: Membership) -> NotificationPreference:
    """The member's choices; an unsaved all-on row when they never changed them."""
    preference = NotificationPreference.objects.filter(membership_id=membership.pk).first()
    if preference is None:
        preference = NotificationPreference(
            community_id=membership.community_id, membership=membership
        )
    return preference


def notification_list(
    *, actor: Membership, member: Membership, limit: int = RECENT_NOTIFICATIONS
) -> QuerySet[Notification]:
    """What we told a member lately, newest first; never another community's rows."""
    return Notification.objects.filter(
        community_id=actor.community_id, membership_id=member.pk
    ).order_by("-created_at", "-pk")[:limit]


def unsubscribe_target(*, token: str) -> tuple[Membership, Topic]:
    """The membership and topic a one-click link stands for, or 404 for a changed link."""
    read = unsubscribe_token_read(token)
    if read is None or read[1] not in Topic.values:
        raise Http404
    membership = (
        Membership.objects.select_related("community", "profile")
        .filter(pk=read[0])
        .exclude(status=Membership.Status.LEFT)
        .first()
    )
    if membership is None:
        raise Http404
    return membership, Topic(read[1])


def notification_exists(*, notification_id: int) -> bool:
    return Notification.objects.filter(pk=notification_id).exists()


class LastDigest(TypedDict):
    last_digest_at: datetime | None


def digest_recipients() -> QuerySet[WithAnnotations[Membership, LastDigest]]:
    """Active members with a login who want the weekly digest, oldest first, each annotated with
    ``last_digest_at`` (None before their first). Members without a login are left out: a
    weekly list is not something a coordinator reads out."""
    last_digest = (
        Notification.objects.filter(membership_id=OuterRef("pk"), topic=Topic.DIGEST)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Membership.objects.filter(
            status=Membership.Status.ACTIVE, user__isnull=False, user__is_active=True
        )
        .exclude(notification_preference__wants_digest=False)
        .select_related("community", "user", "profile")
        .annotate(last_digest_at=Subquery(last_digest))
        .order_by("pk")
    )
