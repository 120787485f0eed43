"""Opening accounts, and the limits a coordinator sets on them.

The openers join their caller's transaction (a hook's receiver, another app's service, the
demo): they are idempotent and named ``_within``. Changing limits is a durable service.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.communities.permissions import can_coordinate
from coproduce.edge.units import minutes_display
from coproduce.ledger.errors import InvalidTransfer
from coproduce.ledger.models import MINUTES_BOUND, Account, AccountLimitChange, CreditRule
from coproduce.ledger.services import _engine
from coproduce.transactions import requires_transaction

# --- Opening accounts -----------------------------------------------------------------------------


@requires_transaction
def community_accounts_open_within(*, community: Community) -> None:
    """The community's own accounts and its default 1:1 credit rule. Idempotent."""
    Account.objects.get_or_create(
        community=community,
        kind=Account.Kind.ISSUANCE,
        defaults={"floor": None if community.uses_issued_credits else 0},
    )
    Account.objects.get_or_create(community=community, kind=Account.Kind.POT, defaults={"floor": 0})
    if not CreditRule.objects.filter(community=community).exists():
        CreditRule.objects.get_or_create(
            community=community,
            version=1,
            defaults={
                "starts_at": _engine.DEFAULT_RULE_STARTS_AT,
                "note": _("One hour given earns one hour of credit, whatever the help."),
            },
        )


def _bounded(limit: int | None) -> int | None:
    """A community default beyond a million hours is as good as no limit, but the account keeps
    a bound (every limit stays within MINUTES_BOUND)."""
    if limit is None:
        return None
    return max(-MINUTES_BOUND, min(limit, MINUTES_BOUND))


def _member_floor(community: Community) -> int | None:
    if not community.uses_mutual_credit:
        return 0
    return _bounded(community.default_floor_minutes)


@requires_transaction
def member_account_open_within(*, membership: Membership) -> Account:
    """Open (or find) the account of a member who has just become active (joining, approval,
    invitation: the communities app's ``membership_activated`` hook)."""
    community = membership.community
    community_accounts_open_within(community=community)
    account, _created = Account.objects.get_or_create(
        kind=Account.Kind.MEMBER,
        membership=membership,
        defaults={
            "community": community,
            "floor": _member_floor(community),
            "ceiling": _bounded(community.default_ceiling_minutes),
        },
    )
    return account


@requires_transaction
def organisation_account_open_within(*, organisation: Organisation) -> Account:
    """A partner's account: it receives credits members spend there, and never goes below 0."""
    return _engine.organisation_account(organisation)


# --- Limits ---------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def account_limits_set(
    *, actor: Membership, account: Account, floor: int | None, ceiling: int | None, reason: str = ""
) -> Account:
    """Change an account's floor or ceiling (None = no limit). Every change is logged."""
    if account.community_id != actor.community_id:
        raise InvalidTransfer(_("This account is not in your community."))
    if not can_coordinate(actor):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if floor is not None and floor > 0:
        errors["floor"] = _("The lowest balance can't be above 0:00.")
    if ceiling is not None and ceiling < 0:
        errors["ceiling"] = _("The highest balance can't be below 0:00.")
    bound = {"most": minutes_display(MINUTES_BOUND)}
    if floor is not None and floor < -MINUTES_BOUND:
        errors["floor"] = (
            _("The lowest balance can be at most %(most)s below zero. Leave it empty for no limit.")
            % bound
        )
    if ceiling is not None and ceiling > MINUTES_BOUND:
        errors["ceiling"] = (
            _("The highest balance can be at most %(most)s. Leave it empty for no limit.") % bound
        )
    if errors:
        raise ValidationError(errors)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if floor is not None and locked.available < floor:
        raise ValidationError(
            {"floor": _("The balance (with holds) is already below that. Choose a lower floor.")}
        )
    if (
        ceiling is not None
        and locked.credits_posted + locked.credits_pending - locked.debits_posted > ceiling
    ):
        raise ValidationError(
            {
                "ceiling": _(
                    "The balance (with holds) is already above that. Choose a higher ceiling."
                )
            }
        )
    AccountLimitChange.objects.create(
        community_id=locked.community_id,
        account=locked,
        changed_by=actor,
        old_floor=locked.floor,
        new_floor=floor,
        old_ceiling=locked.ceiling,
        new_ceiling=ceiling,
        reason=reason,
    )
    # Limits are settings, not counters; the counters are untouched.
    Account.objects.filter(pk=locked.pk).update(floor=floor, ceiling=ceiling)
    locked.floor = floor
    locked.ceiling = ceiling
    return locked
