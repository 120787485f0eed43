"""Credit rules (Fureai Kippu): the versions a coordinator adds, and what the rule in force makes
of the time given when a transfer is built (the arithmetic is in ``ledger/rules.py``)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.ledger import selectors
from coproduce.ledger.errors import InvalidTransfer
from coproduce.ledger.models import CreditRule, Transfer
from coproduce.ledger.rules import PER_MILLE, RuleTerms, credits_for


@transaction.atomic(durable=True)
def credit_rule_create(
    *,
    actor: Membership,
    starts_at: datetime | None = None,
    out_of_hours_per_mille: int = PER_MILLE,
    window_start: time = time(9, 0),
    window_end: time = time(17, 0),
    category_per_mille: dict[str, int] | None = None,
    stacking: str = CreditRule.Stacking.MULTIPLY,
    note: str = "",
) -> CreditRule:
    """Add a new version of the community's credit rule; it applies from ``starts_at``."""
    if not can_coordinate(actor):
        raise PermissionDenied
    now = timezone.now()
    starts_at = starts_at or now
    if starts_at < now - timedelta(minutes=5):
        raise ValidationError({"starts_at": _("A new rule can't start in the past.")})
    if window_start >= window_end:
        raise ValidationError({"window_end": _("Usual hours must end after they start.")})
    categories = {k.strip().lower(): int(v) for k, v in (category_per_mille or {}).items()}
    if any(v < 1 for v in categories.values()) or out_of_hours_per_mille < 1:
        raise ValidationError(_("Every multiplier must be more than zero."))
    community = Community.objects.select_for_update().get(pk=actor.community_id)
    last = CreditRule.objects.filter(community=community).order_by("-version").first()
    rule = CreditRule(
        community=community,
        version=(last.version + 1) if last is not None else 1,
        starts_at=starts_at,
        out_of_hours_per_mille=out_of_hours_per_mille,
        window_start=window_start,
        window_end=window_end,
        category_per_mille=categories,
        stacking=stacking,
        note=note,
        created_by=actor,
    )
    rule.full_clean()
    rule.save()
    return rule


def _terms(rule: CreditRule) -> RuleTerms:
    return RuleTerms(
        out_of_hours_per_mille=rule.out_of_hours_per_mille,
        window_start=rule.window_start,
        window_end=rule.window_end,
        category_per_mille={str(k): int(v) for k, v in rule.category_per_mille.items()},
        stacking=rule.stacking,
    )


def apply_credit_rule(transfer: Transfer, community: Community) -> None:
    """Set the credits the rule in force when the time was given makes of ``minutes_given``,
    and the rule version (the transfer services, as they build a transfer)."""
    assert transfer.minutes_given is not None  # noqa: S101 - callers check
    at = transfer.given_at or timezone.now()
    rule = selectors.credit_rule_in_force(community_id=community.pk, at=at)
    local_start = None
    if transfer.given_at is not None:
        local_start = timezone.localtime(transfer.given_at, zoneinfo.ZoneInfo(community.timezone))
    terms = _terms(rule) if rule is not None else RuleTerms()
    transfer.credit_rule = rule
    transfer.minutes = credits_for(
        terms,
        minutes_given=transfer.minutes_given,
        category=transfer.category,
        local_start=local_start,
    )
    if transfer.minutes <= 0:
        raise InvalidTransfer(_("That is too little time to earn any credit."))
