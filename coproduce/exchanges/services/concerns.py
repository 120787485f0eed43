"""Concerns: a member tells the coordinators, privately, that something is wrong with an
exchange; a coordinator says what was done about it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coproduce.communities.models import Membership
from coproduce.exchanges import permissions
from coproduce.exchanges.models import Concern, Exchange
from coproduce.exchanges.services._common import (
    locked_for,
    message_check,
    notify,
)


@transaction.atomic(durable=True)
def exchange_concern_raise(
    *, actor: Membership, exchange: Exchange, text: str, member: Membership | None = None
) -> Concern:
    """Tell the coordinators, privately, that something is wrong. The other side never sees it."""
    exchange, member = locked_for(actor, exchange, member)
    text = message_check(text, required=True)
    concern = Concern(
        community_id=exchange.community_id,
        exchange=exchange,
        raised_by=member,
        operator=actor,
        text=text,
    )
    concern.save()
    coordinators = Membership.objects.select_related("community", "profile").filter(
        Q(is_coordinator=True) | Q(is_admin=True),
        community_id=exchange.community_id,
        status=Membership.Status.ACTIVE,
    )
    for coordinator in coordinators:
        notify(
            member=coordinator,
            topic="messages",
            subject=gettext_noop("A concern about an exchange in %(community)s"),
            template="exchanges/email/concern.txt",
            context={
                "exchange": exchange,
                "community": exchange.community,
                "from_name": str(member),
                "to_name": str(coordinator),
                "path": exchange.get_absolute_url(),
                "message": text,
            },
        )
    return concern


@transaction.atomic(durable=True)
def concern_resolve(*, actor: Membership, concern: Concern, resolution: str) -> Concern:
    """A coordinator says what was done about a concern; it then leaves the open list. Once."""
    if not permissions.can_see_concerns(actor) or concern.community_id != actor.community_id:
        raise PermissionDenied
    concern = Concern.objects.select_for_update().get(pk=concern.pk)
    if concern.resolved_at is not None:
        raise ValidationError(_("This concern has already been dealt with."))
    concern.resolution = message_check(resolution, required=True)
    concern.resolved_at = timezone.now()
    concern.resolved_by = actor
    concern.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    return concern
