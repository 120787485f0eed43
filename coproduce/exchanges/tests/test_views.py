"""Pages: constant query counts as data grows, clear messages for bad input, assisted mode."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.exchanges.models import Exchange, ExchangeEvent, Listing
from coproduce.exchanges.search import normalise
from coproduce.exchanges.tests.factories import (
    category,
    make_community,
    make_exchange,
    make_listing,
    make_member,
    record,
)
from coproduce.ledger import services as ledger
from coproduce.ledger.models import Account, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return make_community(slug="town")


@pytest.fixture
def ann(town):
    return make_member(town, profile__display_name="Ann")


@pytest.fixture
def bob(town):
    return make_member(town, profile__display_name="Bob")


def client_for(member, *, second_factor=False):
    if second_factor:
        from coproduce.people.tests.sign_in import sign_in_with_second_factor

        return sign_in_with_second_factor(member.user)
    client = Client()
    client.force_login(member.user)
    return client


def _grow(town, ann, bob, exchange, count):
    """Add ``count`` listings, exchanges, messages and transfers in bulk."""
    garden = category(town)
    now = timezone.now()
    Listing.objects.bulk_create(
        [
            Listing(
                community=town,
                owner=bob,
                kind="offer",
                category=garden,
                title=f"Gardening {i}",
                description="Weeding",
                place="your_home",
                expires_at=now + timedelta(days=30),
                search_text=normalise(f"Gardening {i} weeding"),
            )
            for i in range(count)
        ]
    )
    exchanges = Exchange.objects.bulk_create(
        [
            Exchange(
                community=town,
                category=garden,
                title=f"Job {i}",
                giver=bob,
                receiver=ann,
                started_by=ann,
            )
            for i in range(count)
        ]
    )
    ExchangeEvent.objects.bulk_create(
        [
            ExchangeEvent(
                community=town,
                exchange=exchange,
                kind="message",
                author=ann,
                operator=ann,
                text=f"Hi {i}",
            )
            for i in range(count)
        ]
        + [
            ExchangeEvent(community=town, exchange=e, kind="asked", author=ann, operator=ann)
            for e in exchanges
        ]
    )
    a = Account.objects.get(membership=ann)
    b = Account.objects.get(membership=bob)
    boss = make_member(town, user=None, is_coordinator=True)
    ledger.transfer_batch_create(
        actor=boss,
        legs=[
            ledger.TransferLeg(
                debit=a if i % 2 else b,
                credit=b if i % 2 else a,
                kind=Transfer.Kind.EXCHANGE,
                minutes=1,
            )
            for i in range(count)
        ],
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_pages_use_the_same_number_of_queries_with_10_and_1000_rows(town, ann, bob):
    ann.profile.needs_categories = ["gardening"]
    ann.profile.save()
    listing = make_listing(bob)
    exchange = record(make_exchange(bob, ann), bob)
    client = client_for(ann)
    urls = [
        "/c/town/",
        "/c/town/exchange/?q=gardning",
        "/c/town/exchange/",
        f"/c/town/exchange/listings/{listing.pk}/",
        f"/c/town/exchange/exchanges/{exchange.pk}/",
        "/c/town/exchange/mine/",
        "/c/town/credits/",
    ]
    _grow(town, ann, bob, exchange, 10)
    small = {url: _queries(client, url) for url in urls}
    _grow(town, ann, bob, exchange, 990)
    large = {url: _queries(client, url) for url in urls}
    assert large == small
    print("queries per page:", small)


def test_the_whole_journey_through_the_pages(town, ann, bob):
    a, b = client_for(ann), client_for(bob)
    response = a.post(
        "/c/town/exchange/listings/new/",
        {
            "kind": "offer",
            "category": category(town).pk,
            "title": "Help with gardening",
            "description": "Weeding",
            "place": "your_home",
            "capacity": "1",
            "open_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    listing = Listing.objects.get(title="Help with gardening")
    page = b.get("/c/town/exchange/?q=gardning").content.decode()
    assert "Help with gardening" in page
    response = b.post(f"/c/town/exchange/listings/{listing.pk}/", {"text": "Please help"})
    exchange = Exchange.objects.get(listing=listing)
    assert response.url == exchange.get_absolute_url()
    url = f"/c/town/exchange/exchanges/{exchange.pk}/"
    assert a.post(url + "message/", {"message-text": "Saturday?"}).status_code == 302
    key = str(uuid.uuid4())
    form = {"record-idempotency_key": key, "record-minutes": "1:30", "record-text": ""}
    assert a.post(url + "record/", form).status_code == 302
    assert a.post(url + "record/", form).status_code == 302  # a double click: same key
    assert b.post(url + "confirm/").status_code == 302
    assert Account.objects.get(membership=ann).balance == 90
    assert Account.objects.get(membership=bob).balance == -90
    statement = b.get("/c/town/credits/").content.decode()
    assert "Help with gardening" in statement and "−1:30" in statement


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("", "This field is required"),
        ("25:00", "can&#x27;t be more than 24:00"),
        ("lots", "Write the time like 1:30"),
        ("0:00", "at least 0:01"),
    ],
)
def test_bad_hours_get_a_clear_message_and_change_nothing(town, ann, bob, minutes, message):
    exchange = make_exchange(ann, bob)
    response = client_for(ann).post(
        f"/c/town/exchange/exchanges/{exchange.pk}/record/",
        {"record-idempotency_key": str(uuid.uuid4()), "record-minutes": minutes},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Exchange.objects.get(pk=exchange.pk).status == "proposed"
    assert not Transfer.objects.filter(cause_id=exchange.pk).exists()


def test_a_past_date_gets_a_clear_message(town, ann, bob):
    exchange = make_exchange(ann, bob)
    past = (timezone.localtime() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(ann).post(
        f"/c/town/exchange/exchanges/{exchange.pk}/agree/", {"agree-agreed_for": past}
    )
    assert response.status_code == 400
    assert "That time has passed" in response.content.decode()


def test_empty_and_oversized_listing_fields_are_refused(town, ann):
    response = client_for(ann).post(
        "/c/town/exchange/listings/new/",
        {"kind": "offer", "title": "x" * 121, "description": "y" * 2001, "place": "your_home"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in page and "at most 120 characters" in page
    assert not Listing.objects.exists()


def test_confirming_someone_elses_exchange_is_not_found(town, ann, bob):
    carol = make_member(town)
    exchange = record(make_exchange(ann, bob), ann)
    response = client_for(carol).post(f"/c/town/exchange/exchanges/{exchange.pk}/confirm/")
    assert response.status_code == 404
    response = client_for(ann).post(f"/c/town/exchange/exchanges/{exchange.pk}/confirm/")
    assert response.status_code == 400
    assert "The other person confirms" in response.content.decode()
    assert Exchange.objects.get(pk=exchange.pk).status == "recorded"


def test_a_coordinator_records_for_a_member_without_a_login(town, ann):
    boss = make_member(town, is_coordinator=True)
    vera = make_member(town, user=None, profile__display_name="Vera")
    response = client_for(boss, second_factor=True).post(
        "/c/town/exchange/coordinator/record/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "giver": vera.pk,
            "receiver": ann.pk,
            "category": category(town, "befriending").pk,
            "title": "Phone chat",
            "minutes": "1 hour",
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    exchange = Exchange.objects.get(title="Phone chat")
    assert exchange.transfer.operator == boss and exchange.transfer.for_member == vera
    page = client_for(ann).get(exchange.get_absolute_url()).content.decode()
    assert "on their behalf" in page and "Confirm the hours" in page


def test_member_home_shows_balance_confirmations_and_listings_for_me(town, ann, bob):
    ann.profile.needs_categories = ["gardening"]
    ann.profile.save()
    make_listing(bob, title="Digging the allotment")
    record(make_exchange(bob, ann, title="Weeding"), bob, minutes=45)
    page = client_for(ann).get("/c/town/").content.decode()
    assert "Please confirm these hours" in page and "Weeding" in page
    assert "Digging the allotment" in page
    assert 'href="/c/town/credits/"' in page
