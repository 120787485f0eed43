"""The exchange lifecycle through the services, with the ledger behind it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coproduce.communities.services import community_create
from coproduce.exchanges import selectors, services
from coproduce.exchanges.models import Category, Exchange, ExchangeEvent
from coproduce.exchanges.tests.factories import (
    category,
    make_community,
    make_exchange,
    make_listing,
    make_member,
    record,
)
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.models import Account, Transfer

pytestmark = pytest.mark.django_db


def balance(member):
    account = Account.objects.get(kind=Account.Kind.MEMBER, membership=member)
    return account.balance, account.credits_pending, account.debits_pending


@pytest.fixture
def town():
    return make_community()


@pytest.fixture
def ann(town):
    return make_member(town, user=None, profile__display_name="Ann")


@pytest.fixture
def bob(town):
    return make_member(town, user=None, profile__display_name="Bob")


@pytest.fixture
def boss(town):
    return make_member(town, user=None, is_coordinator=True)


def test_a_new_community_gets_the_default_kinds_of_help_with_the_ledgers_slugs():
    community = community_create(name="Norwood", slug="norwood", kind="time_bank")
    slugs = set(Category.objects.filter(community=community).values_list("slug", flat=True))
    assert {"befriending", "lifts", "diy", "gardening", "it-help", "personal-care"} <= slugs


def test_ask_agree_record_confirm_moves_the_hours_once(ann, bob):
    listing = make_listing(ann)
    exchange = services.exchange_start_from_listing(actor=bob, listing=listing, message="Hello")
    assert (exchange.giver, exchange.receiver) == (ann, bob)
    services.exchange_message(actor=ann, exchange=exchange, text="Saturday?")
    services.exchange_agree(
        actor=bob, exchange=exchange, agreed_for=timezone.now() + timedelta(days=1)
    )
    record(exchange, ann, minutes=90)
    assert balance(ann) == (0, 90, 0) and balance(bob) == (0, 0, 90)
    exchange = services.exchange_confirm(actor=bob, exchange=exchange)
    assert exchange.status == Exchange.Status.CONFIRMED
    assert balance(ann) == (90, 0, 0) and balance(bob) == (-90, 0, 0)
    hold = Transfer.objects.get(cause_type="exchange", cause_id=exchange.pk)
    assert (hold.kind, hold.category, hold.minutes_given) == ("exchange", "gardening", 90)
    kinds = list(exchange.events.values_list("kind", flat=True))
    assert kinds == ["asked", "message", "agreed", "recorded", "confirmed"]


def test_the_receiver_may_record_and_the_giver_confirms(ann, bob):
    exchange = make_exchange(ann, bob)
    record(exchange, bob, minutes=60)
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=bob, exchange=exchange)
    services.exchange_confirm(actor=ann, exchange=exchange)
    assert balance(ann)[0] == 60


def test_the_recorder_cannot_confirm_their_own_hours_and_nothing_moves(ann, bob):
    exchange = record(make_exchange(ann, bob), ann)
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=ann, exchange=exchange)
    assert balance(ann) == (0, 90, 0)


def test_someone_elses_exchange_cannot_be_confirmed(town, ann, bob):
    carol = make_member(town, user=None)
    exchange = record(make_exchange(ann, bob), ann)
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=carol, exchange=exchange)
    with pytest.raises(PermissionDenied):
        services.exchange_message(actor=carol, exchange=exchange, text="Hi")
    assert Exchange.objects.get(pk=exchange.pk).status == Exchange.Status.RECORDED


def test_recording_twice_with_the_same_key_records_once(ann, bob):
    exchange = make_exchange(ann, bob)
    key = uuid.uuid4()
    record(exchange, ann, idempotency_key=key)
    record(exchange, ann, idempotency_key=key)
    assert balance(bob) == (0, 0, 90)
    assert Transfer.objects.filter(cause_id=exchange.pk).count() == 1
    with pytest.raises(ValidationError, match="already been recorded"):
        record(exchange, ann, idempotency_key=uuid.uuid4())


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_more_than_24_hours_or_nothing_is_refused(ann, bob, minutes):
    exchange = make_exchange(ann, bob)
    with pytest.raises(ValidationError, match="24:00"):
        record(exchange, ann, minutes=minutes)
    assert balance(bob) == (0, 0, 0)
    assert Exchange.objects.get(pk=exchange.pk).status == Exchange.Status.PROPOSED


def test_agreeing_a_time_in_the_past_is_refused(ann, bob):
    exchange = make_exchange(ann, bob)
    with pytest.raises(ValidationError, match="passed"):
        services.exchange_agree(
            actor=ann, exchange=exchange, agreed_for=timezone.now() - timedelta(hours=2)
        )
    assert Exchange.objects.get(pk=exchange.pk).agreed_for is None


def test_recording_hours_in_the_future_is_refused(ann, bob):
    exchange = make_exchange(ann, bob)
    with pytest.raises(ValidationError, match="once they have been given"):
        record(exchange, ann, given_at=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_empty_or_oversized_messages_are_refused(ann, bob, text):
    exchange = make_exchange(ann, bob)
    with pytest.raises(ValidationError):
        services.exchange_message(actor=ann, exchange=exchange, text=text)
    assert exchange.events.count() == 1


def test_cancelling_before_recording_needs_a_reason(ann, bob):
    exchange = make_exchange(ann, bob)
    with pytest.raises(ValidationError, match="say why"):
        services.exchange_cancel(actor=bob, exchange=exchange, reason=" ")
    exchange = services.exchange_cancel(actor=bob, exchange=exchange, reason="Unwell")
    assert (exchange.status, exchange.cancel_reason) == ("cancelled", "Unwell")


def test_cancelling_recorded_hours_releases_the_hold(ann, bob):
    exchange = record(make_exchange(ann, bob), ann)
    services.exchange_cancel(actor=bob, exchange=exchange, reason="It did not happen")
    assert balance(ann) == (0, 0, 0) and balance(bob) == (0, 0, 0)
    assert Transfer.objects.filter(phase="void", pending__cause_id=exchange.pk).count() == 1


def test_the_payers_floor_is_kept(town, ann, bob):
    Account.objects.filter(membership=bob).update(floor=-60)
    exchange = make_exchange(ann, bob)
    with pytest.raises(LimitExceeded):
        record(exchange, ann, minutes=90)
    assert Exchange.objects.get(pk=exchange.pk).status == Exchange.Status.PROPOSED
    assert balance(bob) == (0, 0, 0)


def test_auto_confirm_posts_without_a_person_after_the_communitys_days(town, ann):
    bob = make_member(town, profile__display_name="Bob, who signs in and was told")
    exchange = record(make_exchange(ann, bob), ann)
    assert services.exchange_auto_confirm_due(now=timezone.now()) == 0
    later = timezone.now() + timedelta(days=town.exchange_auto_confirm_days, minutes=1)
    assert services.exchange_auto_confirm_due(now=later) == 1
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.CONFIRMED
    assert balance(ann)[0] == 90
    post = Transfer.objects.get(phase="post", pending__cause_id=exchange.pk)
    assert post.operator_id is None
    assert exchange.events.last().kind == ExchangeEvent.Kind.AUTO_CONFIRMED
    assert services.exchange_auto_confirm_due(now=later) == 0


def test_a_thank_you_and_a_private_concern(town, ann, bob, boss):
    exchange = services.exchange_confirm(actor=bob, exchange=record(make_exchange(ann, bob), ann))
    services.exchange_thank(actor=bob, exchange=exchange, text="Thank you!")
    concern = services.exchange_concern_raise(actor=ann, exchange=exchange, text="Was rude")
    assert list(selectors.concern_list(actor=boss)) == [concern]
    assert "Was rude" not in [e.text for e in exchange.events.all()]


def test_a_coordinator_acts_for_a_member_and_the_record_says_so(town, ann, bob, boss):
    exchange = services.exchange_assisted_record(
        actor=boss,
        giver=ann,
        receiver=bob,
        category=category(town),
        title="Weeding",
        minutes=45,
        given_at=timezone.now() - timedelta(days=1),
        idempotency_key=uuid.uuid4(),
    )
    assert exchange.status == Exchange.Status.RECORDED and exchange.recorded_by == ann
    hold = exchange.transfer
    assert (hold.operator, hold.for_member) == (boss, ann)
    services.exchange_confirm(actor=boss, exchange=exchange, member=bob)
    confirmed = exchange.events.get(kind="confirmed")
    assert (confirmed.author, confirmed.operator, confirmed.is_assisted) == (bob, boss, True)
    assert balance(ann)[0] == 45


def test_a_member_cannot_act_for_another(town, ann, bob):
    carol = make_member(town, user=None)
    with pytest.raises(PermissionDenied):
        services.listing_create(
            actor=ann, owner=carol, kind="offer", category=category(town), title="Digging"
        )


def test_group_session_one_giver_to_many_is_one_batch(town, ann, bob, boss):
    carol = make_member(town, user=None)
    key = uuid.uuid4()
    exchanges = services.exchange_group_record(
        actor=boss,
        givers=[ann],
        receivers=[bob, carol],
        category=category(town, "creative"),
        title="Quilt-making",
        minutes=120,
        given_at=timezone.now() - timedelta(hours=3),
        idempotency_key=key,
    )
    assert len(exchanges) == 2 and {e.status for e in exchanges} == {"confirmed"}
    assert balance(ann)[0] == 240 and balance(bob)[0] == balance(carol)[0] == -120
    assert Transfer.objects.filter(batch_id=key).count() == 2
    again = services.exchange_group_record(
        actor=boss,
        givers=[ann],
        receivers=[bob, carol],
        category=category(town, "creative"),
        title="Quilt-making",
        minutes=120,
        given_at=timezone.now(),
        idempotency_key=key,
    )
    assert [e.pk for e in again] == [e.pk for e in exchanges]
    assert balance(ann)[0] == 240


def test_group_session_many_givers_to_one_all_or_nothing(town, ann, bob, boss):
    carol = make_member(town, user=None)
    Account.objects.filter(membership=bob).update(floor=-150)
    with pytest.raises(LimitExceeded):
        services.exchange_group_record(
            actor=boss,
            givers=[ann, carol],
            receivers=[bob],
            category=category(town),
            title="Moving house",
            minutes=90,
            given_at=timezone.now(),
            idempotency_key=uuid.uuid4(),
        )
    assert not Exchange.objects.filter(title="Moving house").exists()
    assert balance(ann) == balance(carol) == (0, 0, 0)


def test_members_cannot_record_group_sessions(town, ann, bob):
    with pytest.raises(PermissionDenied):
        services.exchange_group_record(
            actor=ann,
            givers=[ann],
            receivers=[bob],
            category=category(town),
            title="x",
            minutes=60,
            given_at=timezone.now(),
            idempotency_key=uuid.uuid4(),
        )


def test_a_group_listing_fills_up(town, ann, bob):
    listing = make_listing(ann, capacity=1 + 1, title="Quilt-making", slug="creative")
    services.exchange_start_from_listing(actor=bob, listing=listing, message="")
    services.exchange_start_from_listing(
        actor=make_member(town, user=None), listing=listing, message=""
    )
    with pytest.raises(ValidationError, match="full"):
        services.exchange_start_from_listing(
            actor=make_member(town, user=None), listing=listing, message=""
        )


def test_listing_bad_input_is_refused(ann):
    with pytest.raises(ValidationError):
        make_listing(ann, title="   ")
    with pytest.raises(ValidationError, match="future"):
        make_listing(ann, expires_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError, match="passed"):
        make_listing(ann, starts_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError):
        make_listing(ann, title="x" * 121)


def test_selectors_for_the_digest_and_reminders(town, ann, bob):
    ann.profile.needs_categories = ["gardening"]
    ann.profile.save()
    offer = make_listing(bob)
    make_listing(bob, kind="request", title="Need a lift", slug="lifts")
    since = timezone.now() - timedelta(days=7)
    assert list(selectors.listings_matching_interests(membership=ann, since=since)) == [offer]
    soon = make_listing(bob, title="Soon", expires_at=timezone.now() + timedelta(days=2))
    assert list(selectors.listings_expiring(within=timedelta(days=3))) == [soon]
    services.listing_renewal_reminded_within(listing=soon)
    assert list(selectors.listings_expiring(within=timedelta(days=3))) == []
    exchange = record(make_exchange(ann, bob), ann)
    Exchange.objects.filter(pk=exchange.pk).update(recorded_at=timezone.now() - timedelta(days=3))
    waiting = list(selectors.exchanges_awaiting_confirmation(older_than=timedelta(days=2)))
    assert waiting == [exchange]
    assert selectors.exchange_confirmer(exchange=waiting[0]) == bob


def test_hours_a_member_without_a_login_must_confirm_never_confirm_themselves(town, boss):
    """A member records 2:00 with someone who has no login: the hold waits for a coordinator
    however long it takes, and the coordinators' page lists it."""
    ann = make_member(town, profile__display_name="Ann, who signs in")
    vera = make_member(town, user=None, profile__display_name="Vera, no login")
    exchange = record(make_exchange(ann, vera), ann, minutes=120)
    much_later = timezone.now() + timedelta(days=10 * town.exchange_auto_confirm_days)
    assert services.exchange_auto_confirm_due(now=much_later) == 0
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.RECORDED
    assert balance(ann)[0] == 0
    assert selectors.exchange_auto_confirm_at(exchange=exchange) is None
    assert list(selectors.exchanges_waiting_for_a_coordinator(actor=boss)) == [exchange]
    with pytest.raises(PermissionDenied):
        services.exchange_confirm(actor=ann, exchange=exchange, member=vera)
    services.exchange_confirm(actor=boss, exchange=exchange, member=vera)
    assert balance(ann)[0] == 120
    confirmed = exchange.events.get(kind="confirmed")
    assert (confirmed.author, confirmed.operator) == (vera, boss)


def test_hours_recorded_for_a_member_without_a_login_confirm_themselves_if_the_other_can(
    town, boss
):
    """The rule follows who must confirm: hours a coordinator recorded for Vera wait on Ann,
    who signs in and was told, so they confirm themselves after the community's days."""
    ann = make_member(town, profile__display_name="Ann, who signs in")
    vera = make_member(town, user=None, profile__display_name="Vera, no login")
    exchange = services.exchange_propose(
        actor=boss, giver=vera, receiver=ann, category=category(town), title="Ironing", member=vera
    )
    record(exchange, boss, member=vera, minutes=60)
    later = timezone.now() + timedelta(days=town.exchange_auto_confirm_days, minutes=1)
    assert services.exchange_auto_confirm_due(now=later) == 1
    assert balance(vera)[0] == 60


# --- Whose transaction --------------------------------------------------------------------------


def test_recording_hours_inside_another_transaction_fails_instead_of_joining_it(ann, bob):
    """A durable service refuses an outer atomic block; the caller uses the _within twin, whose
    hours then commit or roll back with the caller's transaction."""
    from django.db import transaction

    exchange = make_exchange(ann, bob)
    with pytest.raises(RuntimeError, match="atomic block"), transaction.atomic():
        record(exchange, ann, minutes=60)
    assert not Transfer.objects.filter(cause_type="exchange", cause_id=exchange.pk).exists()
    with pytest.raises(ValueError, match="caller fails"), transaction.atomic():
        services.exchange_record_within(
            actor=ann, exchange=exchange, minutes=60, idempotency_key=uuid.uuid4()
        )
        raise ValueError("the caller fails after recording")
    exchange.refresh_from_db()
    assert exchange.status != Exchange.Status.RECORDED and balance(bob) == (0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_within_service_refuses_to_run_outside_a_transaction():
    from coproduce.transactions import TransactionRequired

    town = make_community()
    ann, bob = make_member(town, user=None), make_member(town, user=None)
    with pytest.raises(TransactionRequired, match="exchange_propose_within"):
        services.exchange_propose_within(
            actor=ann, giver=ann, receiver=bob, category=category(town), title="Digging"
        )
    assert not Exchange.objects.filter(community=town).exists()
