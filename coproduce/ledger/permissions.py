"""Who may do what with time credits. Views, the API and services all ask here."""

from __future__ import annotations

from coproduce.communities.models import Membership
from coproduce.ledger.models import Account, Transfer

# What a member may do from their own account without a coordinator.
MEMBER_KINDS = frozenset(
    {Transfer.Kind.GIFT, Transfer.Kind.DONATION, Transfer.Kind.EXCHANGE, Transfer.Kind.REDEMPTION}
)


def can_manage_ledger(actor: Membership) -> bool:
    """Coordinators and administrators: any account, awards, adjustments, rules, links."""
    return actor.is_active and (actor.is_coordinator or actor.is_admin)


def is_own_account(actor: Membership, account: Account) -> bool:
    return account.kind == Account.Kind.MEMBER and account.membership_id == actor.pk


def can_see_account(actor: Membership, account: Account) -> bool:
    if not actor.is_active or account.community_id != actor.community_id:
        return False
    return is_own_account(actor, account) or can_manage_ledger(actor)


def can_transfer_from(actor: Membership, debit: Account, kind: str) -> bool:
    if not actor.is_active or debit.community_id != actor.community_id:
        return False
    if can_manage_ledger(actor):
        return True
    return is_own_account(actor, debit) and kind in MEMBER_KINDS


def can_hold_from(actor: Membership, debit: Account, credit: Account, kind: str) -> bool:
    """As can_transfer_from, and: a member who gave time may put the exchange on hold against
    the member they helped; nothing moves until that member confirms (see can_resolve_hold)."""
    if can_transfer_from(actor, debit, kind):
        return True
    return (
        actor.is_active
        and kind == Transfer.Kind.EXCHANGE
        and debit.community_id == actor.community_id
        and debit.kind == Account.Kind.MEMBER
        and is_own_account(actor, credit)
    )


def _placed_by_receiver(hold: Transfer) -> bool:
    """Whether the member who would receive the credits recorded the hold (or had it recorded
    for them): then the payer is the one who confirms."""
    receiver = hold.credit.membership_id if hold.credit.kind == Account.Kind.MEMBER else None
    return receiver is not None and receiver in (hold.operator_id, hold.for_member_id)


def can_resolve_hold(
    actor: Membership, hold: Transfer, *, phase: str = Transfer.Phase.POST
) -> bool:
    """Coordinators; or the member on the other side from whoever recorded the hold (confirming
    the hours): normally the member who would receive the credits, but the payer when the
    receiver recorded it. Either member may cancel ("void") a hold that is not yet confirmed."""
    if not actor.is_active or hold.community_id != actor.community_id:
        return False
    if can_manage_ledger(actor):
        return True
    is_payer = hold.debit.kind == Account.Kind.MEMBER and hold.debit.membership_id == actor.pk
    is_receiver = hold.credit.kind == Account.Kind.MEMBER and hold.credit.membership_id == actor.pk
    if phase == Transfer.Phase.VOID and hold.kind == Transfer.Kind.EXCHANGE:
        return is_payer or is_receiver
    if _placed_by_receiver(hold):
        return is_payer
    return is_receiver


def can_reverse(actor: Membership) -> bool:
    return can_manage_ledger(actor)


def can_see_transfer(actor: Membership, transfer: Transfer) -> bool:
    if not actor.is_active or transfer.community_id != actor.community_id:
        return False
    if can_manage_ledger(actor):
        return True
    return is_own_account(actor, transfer.debit) or is_own_account(actor, transfer.credit)
