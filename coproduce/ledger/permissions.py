"""Who may do what with time credits. Views, the API and services all ask here."""

from __future__ import annotations

from coproduce.communities.models import Membership
from coproduce.communities.permissions import can_coordinate
from coproduce.ledger.models import Account, CommunityLink, Transfer

# What a member may do from their own account without a coordinator.
MEMBER_KINDS = frozenset(
    {Transfer.Kind.GIFT, Transfer.Kind.DONATION, Transfer.Kind.EXCHANGE, Transfer.Kind.REDEMPTION}
)


# Coordinators and administrators (communities.permissions.can_coordinate) may use any account,
# award, adjust, and set rules and links.


def is_own_account(actor: Membership, account: Account) -> bool:
    return account.kind == Account.Kind.MEMBER and account.membership_id == actor.pk


def can_see_account(actor: Membership, account: Account) -> bool:
    if not actor.is_active or account.community_id != actor.community_id:
        return False
    return is_own_account(actor, account) or can_coordinate(actor)


def can_transfer_from(actor: Membership, debit: Account, kind: str) -> bool:
    if not actor.is_active or debit.community_id != actor.community_id:
        return False
    if can_coordinate(actor):
        return True
    return is_own_account(actor, debit) and kind in MEMBER_KINDS


# Why the generic transfer and hold services (transfer_create, transfer_hold,
# transfer_batch_create, and so the API's POST transfers and POST holds and the give and record
# pages) refuse to move credits between two accounts, whatever the actor may do otherwise. The
# community's own accounts move only through the service made for them:
# - a clearing account only through inter_community_transfer_create (both legs at once), so
#   nothing else can use up a link's limit or make credits that never left the other community;
# - the issuance account only as a coordinator's award (credits are issued, never paid back: an
#   award is undone by reversing it);
# - the pot receives donations and gives through a coordinator, as a gift.
NOT_BETWEEN_COMMUNITIES = "between_communities"
NOT_TO_ISSUANCE = "to_issuance"
ONLY_AWARDS_FROM_ISSUANCE = "from_issuance"
DONATIONS_TO_THE_POT = "donation"
ONLY_GIFTS_FROM_THE_POT = "from_pot"


def account_refusal(actor: Membership, debit: Account, credit: Account, kind: str) -> str | None:
    """None if the generic services may move ``kind`` credits from ``debit`` to ``credit``;
    otherwise which rule refuses it (``errors.AccountNotAllowed`` words it for the person)."""
    Kind = Account.Kind
    if (
        kind == Transfer.Kind.INTER_COMMUNITY
        or debit.kind == Kind.CLEARING
        or credit.kind == Kind.CLEARING
    ):
        return NOT_BETWEEN_COMMUNITIES
    if credit.kind == Kind.ISSUANCE:
        return NOT_TO_ISSUANCE
    if debit.kind == Kind.ISSUANCE and (kind != Transfer.Kind.AWARD or not can_coordinate(actor)):
        return ONLY_AWARDS_FROM_ISSUANCE
    if (credit.kind == Kind.POT) != (kind == Transfer.Kind.DONATION):
        return DONATIONS_TO_THE_POT
    if debit.kind == Kind.POT and (kind != Transfer.Kind.GIFT or not can_coordinate(actor)):
        return ONLY_GIFTS_FROM_THE_POT
    return None


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
    if can_coordinate(actor):
        return True
    is_payer = hold.debit.kind == Account.Kind.MEMBER and hold.debit.membership_id == actor.pk
    is_receiver = hold.credit.kind == Account.Kind.MEMBER and hold.credit.membership_id == actor.pk
    if phase == Transfer.Phase.VOID:
        if hold.kind == Transfer.Kind.EXCHANGE and (is_payer or is_receiver):
            return True
        # A member who put their own credits on hold (a gift waiting for a date, say) may
        # change their mind; a hold someone else made on their account is not theirs to cancel.
        if is_payer and hold.operator_id == actor.pk:
            return True
    if _placed_by_receiver(hold):
        return is_payer
    return is_receiver


def can_give_across(actor: Membership, link: CommunityLink) -> bool:
    """Any active member of either community may give across a link (once it is agreed)."""
    return actor.is_active and actor.community_id in (link.community_id, link.partner_id)


def can_reverse(actor: Membership) -> bool:
    return can_coordinate(actor)


def can_see_transfer(actor: Membership, transfer: Transfer) -> bool:
    if not actor.is_active or transfer.community_id != actor.community_id:
        return False
    if can_coordinate(actor):
        return True
    return is_own_account(actor, transfer.debit) or is_own_account(actor, transfer.credit)
