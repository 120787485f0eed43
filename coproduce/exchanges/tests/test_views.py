"""Pages: constant query counts as data grows, clear messages for bad input, assisted mode."""

from __future__ import annotations

import uuid
from datetime import timedelta
from datetime import timezone as dt_timezone

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


@pytest.mark.parametrize("typed", ["1h30", "1 hour 30", "1:30", "1.5", "90 munud", "1 awr 30"])
def test_recording_hours_reads_every_common_way_of_writing_them(town, ann, bob, typed):
    exchange = make_exchange(ann, bob)
    response = client_for(ann).post(
        f"/c/town/exchange/exchanges/{exchange.pk}/record/",
        {"record-idempotency_key": str(uuid.uuid4()), "record-minutes": typed},
    )
    assert response.status_code == 302
    assert Exchange.objects.get(pk=exchange.pk).minutes == 90


def test_in_a_big_community_a_coordinator_types_the_names_instead_of_scrolling(
    town, ann, monkeypatch
):
    from coproduce.communities import fields

    monkeypatch.setattr(fields, "LISTED_MOST", 2)
    boss = make_member(town, is_coordinator=True, profile__display_name="Becky")
    vera = make_member(town, user=None, profile__display_name="Vera Nologin")
    client = client_for(boss, second_factor=True)
    page = client.get(f"/c/town/exchange/coordinator/record/?for={vera.pk}").content.decode()
    assert (
        'name="giver" value="Vera Nologin"' in page
        and "<option" not in page.split('name="giver"')[1].split("</div>")[0]
    )
    response = client.post(
        "/c/town/exchange/coordinator/record/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "giver": "vera nologin",
            "receiver": ann.profile.display_name,
            "category": category(town, "befriending").pk,
            "title": "Phone chat",
            "minutes": "1 hour",
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    exchange = Exchange.objects.get(title="Phone chat")
    assert (exchange.giver, exchange.receiver) == (vera, ann)


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


def _listing_form(town, **fields):
    return {
        "kind": "offer",
        "category": category(town).pk,
        "title": "Tea and a chat",
        "description": "",
        "place": "your_home",
        "capacity": "1",
        "open_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
        **fields,
    }


def _typed_with(moment, offset):
    """``moment`` as someone could type it with a UTC offset like "-23:15"."""
    sign = -1 if offset[0] == "-" else 1
    zone = dt_timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:])))
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") + offset


@pytest.mark.parametrize("offset", ["-23:15", "+16:00"])
def test_a_time_typed_with_an_offset_postgresql_cannot_store_is_the_same_moment(
    town, ann, bob, offset
):
    """Browsers send no offset, but anyone can type one; PostgreSQL refuses beyond ±15:59."""
    moment = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    a = client_for(ann)
    created = a.post(
        "/c/town/exchange/listings/new/",
        _listing_form(town, starts_at=_typed_with(moment, offset)),
    )
    assert created.status_code == 302
    assert Listing.objects.get(title="Tea and a chat").starts_at == moment
    exchange = make_exchange(ann, bob)
    agreed = a.post(
        f"/c/town/exchange/exchanges/{exchange.pk}/agree/",
        {"agree-agreed_for": _typed_with(moment, offset)},
    )
    assert agreed.status_code == 302
    assert Exchange.objects.get(pk=exchange.pk).agreed_for == moment


def test_a_time_past_the_year_2200_is_refused_and_the_pages_keep_working(town, ann, bob):
    """Stored past the year 9999 in UTC, a session's start could never be read back: the search
    page would fail for the whole community."""
    a = client_for(ann)
    typed = "9999-12-31T23:59:59-14:00"
    response = a.post("/c/town/exchange/listings/new/", _listing_form(town, starts_at=typed))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_starts_at_error"' in page and f'value="{typed}"' in page
    assert "Choose a date from the year 1900 to the year 2200." in page
    assert not Listing.objects.filter(title="Tea and a chat").exists()
    exchange = make_exchange(ann, bob)
    agreed = a.post(f"/c/town/exchange/exchanges/{exchange.pk}/agree/", {"agree-agreed_for": typed})
    assert agreed.status_code == 400
    assert "Choose a date from the year 1900 to the year 2200." in agreed.content.decode()
    for path in ("/c/town/exchange/", "/c/town/exchange/mine/"):
        assert a.get(path).status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_a_day_outside_1900_to_2200_is_refused_beside_the_field(town, ann, bob, day):
    boss = make_member(town, is_coordinator=True)
    coordinator = client_for(boss, second_factor=True)
    common = {"category": category(town).pk, "title": "Phone chat", "minutes": "1:00"}
    group = coordinator.post(
        "/c/town/exchange/coordinator/group/",
        {
            **common,
            "idempotency_key": str(uuid.uuid4()),
            "direction": "one_to_many",
            "one": ann.pk,
            "many": [bob.pk],
            "given_on": day,
        },
    )
    assisted = coordinator.post(
        "/c/town/exchange/coordinator/record/",
        {
            **common,
            "idempotency_key": str(uuid.uuid4()),
            "giver": ann.pk,
            "receiver": bob.pk,
            "given_on": day,
        },
    )
    exchange = make_exchange(ann, bob)
    recorded = client_for(ann).post(
        f"/c/town/exchange/exchanges/{exchange.pk}/record/",
        {
            "record-idempotency_key": str(uuid.uuid4()),
            "record-minutes": "1:00",
            "record-given_on": day,
        },
    )
    listing = client_for(ann).post(
        "/c/town/exchange/listings/new/", _listing_form(town, open_until=day)
    )
    for response, field in (
        (group, "given_on"),
        (assisted, "given_on"),
        (recorded, "record-given_on"),
        (listing, "open_until"),
    ):
        assert response.status_code == 400
        page = response.content.decode()
        assert f'id="id_{field}_error"' in page and f'value="{day}"' in page
        assert "Choose a date from the year 1900 to the year 2200." in page
    assert not Transfer.objects.filter(community=town).exists()


@pytest.mark.parametrize(
    "query",
    [
        {"page": "100000000000000000000"},
        {"page": "-1"},
        {"page": "1e400"},
        {"for": "100000000000000000000"},
        {"for": "\u00b2"},
        {"for": "1" * 5000},
        {"to": "100000000000000000000"},
        {"to": "\u00b2"},
        {"within_km": "100000000000000000000"},
        {"status": "100000000000000000000"},
    ],
)
def test_huge_and_odd_numbers_in_an_address_show_a_normal_page(town, ann, query):
    """The last page for a page number past the end; the first for one that is not a number;
    a member id that can't be one is ignored. Never a server error: PostgreSQL has no integer
    this big, and "²" passes ``str.isdigit`` but not ``int``."""
    boss = make_member(town, is_coordinator=True)
    coordinator = client_for(boss, second_factor=True)
    for path in (
        "/c/town/exchange/",
        "/c/town/exchange/mine/",
        "/c/town/exchange/coordinator/",
        "/c/town/exchange/propose/",
        "/c/town/exchange/listings/new/",
        "/c/town/exchange/coordinator/record/",
    ):
        assert coordinator.get(path, query).status_code in (200, 404), path


def test_a_coordinator_acting_for_an_odd_member_number_is_asked_to_choose(town, ann, bob):
    boss = make_member(town, is_coordinator=True)
    exchange = make_exchange(ann, bob)
    response = client_for(boss, second_factor=True).post(
        f"/c/town/exchange/exchanges/{exchange.pk}/message/",
        {"member": "\u00b2", "message-text": "Hello"},
    )
    assert response.status_code == 400
    assert "Choose which person you are acting for." in response.content.decode()


@pytest.mark.parametrize("chosen", ["100000000000000000000", "\u00b2", "1" * 5000])
def test_an_odd_member_number_in_a_group_session_is_refused_beside_the_field(
    town, ann, bob, chosen
):
    """SQLite can't compare with an integer past 64 bits; Django guards one id, not a list."""
    boss = make_member(town, is_coordinator=True)
    response = client_for(boss, second_factor=True).post(
        "/c/town/exchange/coordinator/group/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "direction": "one_to_many",
            "one": ann.pk,
            "many": [bob.pk, chosen],
            "category": category(town).pk,
            "title": "Walk",
            "minutes": "1:00",
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert 'id="id_many_error"' in response.content.decode()
    assert not Transfer.objects.filter(community=town).exists()
