"""Links between communities, and the gifts that cross them (two legs, one transaction).

Clearing accounts move only here: the leg leaving one community and the leg arriving in the
other are recorded together, within the limits both communities agreed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.edge.units import minutes_display
from coproduce.ledger import permissions
from coproduce.ledger.errors import InvalidTransfer, LinkUnavailable
from coproduce.ledger.models import MINUTES_BOUND, Account, CommunityLink, Transfer
from coproduce.ledger.services import _engine


@transaction.atomic(durable=True)
def community_link_create(
    *, actor: Membership, partner_slug: str, limit_to_partner: int, limit_from_partner: int
) -> CommunityLink:
    """Propose a link; the partner's coordinators accept it before anyone can give across."""
    if not can_coordinate(actor):
        raise PermissionDenied
    partner = Community.objects.filter(slug=partner_slug).first()
    if partner is None or partner.pk == actor.community_id:
        raise ValidationError(
            {"partner_slug": _("There is no other community with that web address name.")}
        )
    too_high = _("A limit can be at most %(most)s.") % {"most": minutes_display(MINUTES_BOUND)}
    limits = {"limit_to_partner": limit_to_partner, "limit_from_partner": limit_from_partner}
    if any(value > MINUTES_BOUND for value in limits.values()):
        raise ValidationError(
            {name: too_high for name, value in limits.items() if value > MINUTES_BOUND}
        )
    if CommunityLink.objects.filter(
        Q(community_id=actor.community_id, partner=partner)
        | Q(community=partner, partner_id=actor.community_id)
    ).exists():
        raise ValidationError({"partner_slug": _("There is already a link with that community.")})
    link = CommunityLink(
        community_id=actor.community_id,
        partner=partner,
        limit_to_partner=limit_to_partner,
        limit_from_partner=limit_from_partner,
        created_by=actor,
    )
    link.full_clean()
    link.save()
    return link


def _clearing_open(*, community_id: int, partner_id: int, floor: int, ceiling: int) -> Account:
    account, _created = Account.objects.get_or_create(
        community_id=community_id,
        kind=Account.Kind.CLEARING,
        partner_id=partner_id,
        defaults={"floor": floor, "ceiling": ceiling},
    )
    return account


@transaction.atomic(durable=True)
def community_link_accept(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    """The partner agrees: each side gets a clearing account limited by the agreed amounts."""
    if not can_coordinate(actor) or link.partner_id != actor.community_id:
        raise PermissionDenied
    link = CommunityLink.objects.select_for_update().get(pk=link.pk)
    if link.status != CommunityLink.Status.PROPOSED:
        return link
    for side, other in ((link.community_id, link.partner_id), (link.partner_id, link.community_id)):
        # The clearing account on a side goes up as credits leave that side, down as they arrive.
        _clearing_open(
            community_id=side,
            partner_id=other,
            floor=-link.limit_to(side),
            ceiling=link.limit_from(side),
        )
    link.status = CommunityLink.Status.ACTIVE
    link.accepted_at = link.status_changed_at = timezone.now()
    link.status_changed_by = actor
    link.save(update_fields=["status", "accepted_at", "status_changed_at", "status_changed_by"])
    return link


def _link_status_set(*, actor: Membership, link: CommunityLink, status: str) -> CommunityLink:
    if not can_coordinate(actor) or actor.community_id not in (
        link.community_id,
        link.partner_id,
    ):
        raise PermissionDenied
    link = CommunityLink.objects.select_for_update().get(pk=link.pk)
    if link.status == CommunityLink.Status.PROPOSED:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    link.status = status
    link.status_changed_at = timezone.now()
    link.status_changed_by = actor
    link.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    return link


@transaction.atomic(durable=True)
def community_link_pause(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    """Either side may pause: no credits cross until it is resumed."""
    return _link_status_set(actor=actor, link=link, status=CommunityLink.Status.PAUSED)


@transaction.atomic(durable=True)
def community_link_resume(*, actor: Membership, link: CommunityLink) -> CommunityLink:
    return _link_status_set(actor=actor, link=link, status=CommunityLink.Status.ACTIVE)


def community_link_check_open(*, actor: Membership, link: CommunityLink) -> None:
    """Refuse unless ``actor`` may give across ``link`` now: an active member of either side,
    on a link both sides agreed and nobody paused. Pages call it before they look anyone up in
    the other community, so a link that was never agreed tells nobody who is a member there."""
    if not permissions.can_give_across(actor, link):
        raise PermissionDenied
    if link.status == CommunityLink.Status.PROPOSED:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    if link.status != CommunityLink.Status.ACTIVE:
        raise LinkUnavailable(_("Giving to this community is paused at the moment."))


def _record_both_legs(*, link_id: int, leaving: Transfer, arriving: Transfer) -> list[Transfer]:
    """Both legs in a savepoint, once the link is locked and still active; a gift recorded
    before under the same key is the answer instead."""
    with transaction.atomic():
        existing = _engine.existing_batch([leaving])
        if existing is not None:
            return list(Transfer.objects.filter(batch_id=existing[0].batch_id).order_by("pk"))
        rows = CommunityLink.objects.filter(pk=link_id)
        if connection.features.has_select_for_no_key_update:
            rows = rows.select_for_update(no_key=True)
        link = rows.get()
        if link.status != CommunityLink.Status.ACTIVE:
            raise LinkUnavailable(_("Giving to this community is paused at the moment."))
        accounts = {leaving.debit_id, leaving.credit_id, arriving.debit_id, arriving.credit_id}
        _engine.lock_accounts(accounts)
        return [_engine.insert_and_move(leaving), _engine.insert_and_move(arriving)]


@transaction.atomic(durable=True)
def inter_community_transfer_create(
    *,
    actor: Membership,
    link: CommunityLink,
    recipient: Membership,
    minutes: int,
    memo: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> list[Transfer]:
    """Give some of your credits to someone in a linked community.

    Two legs share a batch and a transaction: you → your community's clearing account for the
    partner, and the partner's clearing account for your community → the recipient.
    """
    community_link_check_open(actor=actor, link=link)
    other_id = link.partner_id if actor.community_id == link.community_id else link.community_id
    if recipient.community_id != other_id or not recipient.is_active:
        raise InvalidTransfer(_("The person must be an active member of the partner community."))
    if minutes <= 0:
        raise InvalidTransfer(_("The credits must be more than zero."))
    if minutes > settings.LEDGER_MAX_TRANSFER_MINUTES:
        raise _engine.too_much(settings.LEDGER_MAX_TRANSFER_MINUTES)
    giver = Account.objects.get(kind=Account.Kind.MEMBER, membership=actor)
    receiver = Account.objects.filter(kind=Account.Kind.MEMBER, membership=recipient).first()
    clearing_here = Account.objects.filter(
        kind=Account.Kind.CLEARING, community_id=actor.community_id, partner_id=other_id
    ).first()
    clearing_there = Account.objects.filter(
        kind=Account.Kind.CLEARING, community_id=other_id, partner_id=actor.community_id
    ).first()
    if receiver is None or clearing_here is None or clearing_there is None:
        raise LinkUnavailable(_("This link has not been agreed yet."))
    batch_id = uuid.uuid4()
    common = {
        "kind": Transfer.Kind.INTER_COMMUNITY,
        "phase": Transfer.Phase.POSTED,
        "minutes": minutes,
        "memo": memo,
        "idempotency_key": idempotency_key,
        "batch_id": batch_id,
        "operator": actor,
    }
    leaving = Transfer(
        community_id=actor.community_id,
        debit=giver,
        credit=clearing_here,
        for_member=actor,
        **common,
    )
    arriving = Transfer(
        community_id=other_id,
        debit=clearing_there,
        credit=receiver,
        for_member=recipient,
        **common,
    )
    try:
        return _record_both_legs(link_id=link.pk, leaving=leaving, arriving=arriving)
    except IntegrityError as error:
        leaving.pk = arriving.pk = None
        existing = _engine.existing_batch([leaving])
        if existing is None:
            raise error from None
        return list(Transfer.objects.filter(batch_id=existing[0].batch_id).order_by("pk"))
