"""Every write to the ledger. Nothing else creates transfers or touches account counters.

By noun: ``transfers`` (transfers, holds, reversals, batches), ``accounts`` (opening accounts,
limits), ``credit_rules`` and ``links`` (links between communities, gifts across them). The
private ``_engine`` holds what they share: the SQL per back-end, validation, idempotency.

Every public service is durable: its own transaction, refused inside another. A ``_within``
function joins its caller's transaction and refuses to run outside one (docs/contributing.md).
"""

from coproduce.ledger.selectors import party_account
from coproduce.ledger.services.accounts import (
    account_limits_set,
    community_accounts_open_within,
    member_account_open_within,
    organisation_account_open_within,
)
from coproduce.ledger.services.credit_rules import credit_rule_create
from coproduce.ledger.services.links import (
    community_link_accept,
    community_link_check_open,
    community_link_create,
    community_link_pause,
    community_link_resume,
    inter_community_transfer_create,
)
from coproduce.ledger.services.transfers import (
    TransferLeg,
    transfer_batch_create,
    transfer_batch_create_within,
    transfer_create,
    transfer_create_within,
    transfer_hold,
    transfer_hold_within,
    transfer_post,
    transfer_post_automatically,
    transfer_post_automatically_within,
    transfer_post_within,
    transfer_reverse,
    transfer_reverse_within,
    transfer_void,
    transfer_void_within,
)

__all__ = [
    "TransferLeg",
    "account_limits_set",
    "community_accounts_open_within",
    "community_link_accept",
    "community_link_check_open",
    "community_link_create",
    "community_link_pause",
    "community_link_resume",
    "credit_rule_create",
    "inter_community_transfer_create",
    "member_account_open_within",
    "organisation_account_open_within",
    # A read, kept here for the ledger's views and API until they call selectors.party_account.
    "party_account",
    "transfer_batch_create",
    "transfer_batch_create_within",
    "transfer_create",
    "transfer_create_within",
    "transfer_hold",
    "transfer_hold_within",
    "transfer_post",
    "transfer_post_automatically",
    "transfer_post_automatically_within",
    "transfer_post_within",
    "transfer_reverse",
    "transfer_reverse_within",
    "transfer_void",
    "transfer_void_within",
]
