"""Writes for listings and exchanges, by noun: ``listings``, ``exchanges`` (proposing, the
thread, cancelling), ``hours`` (recording, confirming, group and assisted records) and
``concerns``; ``_common`` holds what they share.

Every public service opens its own durable transaction. Its ``_within`` twin joins the
caller's transaction and refuses to run outside one: the demo builder, and the services that
are made of others (an assisted record proposes, records and confirms in one transaction).
"""

from coproduce.exchanges.services._common import CLOCK_SLACK, LISTING_DAYS, MAX_LISTING_DAYS
from coproduce.exchanges.services.concerns import concern_resolve, exchange_concern_raise
from coproduce.exchanges.services.exchanges import (
    exchange_agree,
    exchange_agree_within,
    exchange_cancel,
    exchange_cancel_within,
    exchange_message,
    exchange_message_within,
    exchange_propose,
    exchange_propose_within,
    exchange_start_from_listing,
    exchange_start_from_listing_within,
    exchange_thank,
    exchange_thank_within,
)
from coproduce.exchanges.services.hours import (
    can_confirm,
    exchange_assisted_record,
    exchange_assisted_record_within,
    exchange_auto_confirm_due,
    exchange_confirm,
    exchange_confirm_within,
    exchange_group_record,
    exchange_group_record_within,
    exchange_record,
    exchange_record_within,
)
from coproduce.exchanges.services.listings import (
    LISTING_FIELDS,
    SEARCH_TEXT_SOURCES,
    categories_seed_within,
    listing_close,
    listing_create,
    listing_create_within,
    listing_renew,
    listing_renewal_reminded_within,
    listing_search_text,
    listing_update,
    listings_owner_changed_within,
)

__all__ = [
    "CLOCK_SLACK",
    "LISTING_DAYS",
    "LISTING_FIELDS",
    "MAX_LISTING_DAYS",
    "SEARCH_TEXT_SOURCES",
    "can_confirm",
    "categories_seed_within",
    "concern_resolve",
    "exchange_agree",
    "exchange_agree_within",
    "exchange_assisted_record",
    "exchange_assisted_record_within",
    "exchange_auto_confirm_due",
    "exchange_cancel",
    "exchange_cancel_within",
    "exchange_concern_raise",
    "exchange_confirm",
    "exchange_confirm_within",
    "exchange_group_record",
    "exchange_group_record_within",
    "exchange_message",
    "exchange_message_within",
    "exchange_propose",
    "exchange_propose_within",
    "exchange_record",
    "exchange_record_within",
    "exchange_start_from_listing",
    "exchange_start_from_listing_within",
    "exchange_thank",
    "exchange_thank_within",
    "listing_close",
    "listing_create",
    "listing_create_within",
    "listing_renew",
    "listing_renewal_reminded_within",
    "listing_search_text",
    "listing_update",
    "listings_owner_changed_within",
]
