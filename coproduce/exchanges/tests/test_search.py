"""Search finds listings the same way on SQLite and PostgreSQL, typos included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coproduce.exchanges import search, selectors, services
from coproduce.exchanges.tests.factories import make_community, make_listing, make_member

pytestmark = pytest.mark.django_db


def titles(actor, **filters):
    hits = selectors.listing_search(actor=actor, filters=selectors.SearchFilters(**filters))
    return [hit.listing.title for hit in hits]


@pytest.fixture
def town():
    return make_community()


@pytest.fixture
def me(town):
    return make_member(town, user=None)


@pytest.fixture
def listings(town):
    owner = make_member(town, user=None)
    make_listing(owner, title="Help with gardening", description="Weeding and mowing")
    make_listing(owner, title="Computer help", slug="it-help", description="Email and video calls")
    make_listing(
        owner, title="Lift to hospital", slug="lifts", kind="request", description="Tuesdays"
    )
    make_listing(
        owner, title="Quilt-making", slug="creative", description="Patchwork in the library"
    )
    return owner


def test_trigram_similarity_is_pg_trgms():
    assert search.similarity("gardning", "gardening") == pytest.approx(7 / 12)
    assert search.relevance(["gardning"], title="Help with gardening", body="") >= search.THRESHOLD


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("gardning", "Help with gardening"),
        ("GARDENING", "Help with gardening"),
        ("computr", "Computer help"),
        ("hospitl lift", "Lift to hospital"),
        ("patchwork", "Quilt-making"),
        ("quilt", "Quilt-making"),
        ("email", "Computer help"),
    ],
)
def test_words_and_typos_find_the_listing_first(me, listings, query, found):
    assert titles(me, query=query)[0] == found


def test_unrelated_words_find_nothing(me, listings):
    assert titles(me, query="saxophone") == []


def test_filters_by_kind_and_category(me, listings):
    assert titles(me, kind="request") == ["Lift to hospital"]
    assert titles(me, category="it-help") == ["Computer help"]
    assert titles(me, query="help", kind="offer", category="gardening") == ["Help with gardening"]


def test_closed_and_expired_listings_are_not_found(me, listings):
    listing = services.listing_close(
        actor=listings, listing=listings.listings.get(title="Quilt-making")
    )
    assert listing.title not in titles(me, query="quilt")


def test_search_text_follows_edits(me, listings):
    listing = listings.listings.get(title="Computer help")
    services.listing_update(
        actor=listings, listing=listing, title="Tablet lessons", description="Learn at home"
    )
    assert titles(me, query="tablet") == ["Tablet lessons"]
    assert titles(me, query="email") == []


def test_equal_relevance_is_sorted_by_distance_and_distance_filters(town, me):
    me.profile.approx_latitude, me.profile.approx_longitude = Decimal("51.43"), Decimal("-0.09")
    me.profile.save()
    near, far, unknown = (make_member(town, user=None) for _ in range(3))
    for person, lat in ((near, "51.44"), (far, "51.60")):
        person.profile.approx_latitude, person.profile.approx_longitude = (
            Decimal(lat),
            Decimal("-0.09"),
        )
        person.profile.save()
    make_listing(far, title="Gardening far")
    make_listing(unknown, title="Gardening unknown")
    make_listing(near, title="Gardening near")
    assert titles(me, query="gardening") == ["Gardening near", "Gardening far", "Gardening unknown"]
    assert titles(me, query="gardening", within_km=5) == ["Gardening near"]


def test_availability_filter(town, me):
    free = make_member(town, user=None)
    free.profile.availability = ["sat-morning"]
    free.profile.save()
    make_listing(free, title="Gardening on Saturdays")
    make_listing(make_member(town, user=None), title="Gardening any time")
    assert titles(me, day="sat") == ["Gardening on Saturdays"]
    assert titles(me, day="sat", part="evening") == []
    assert titles(me, part="morning") == ["Gardening on Saturdays"]


def test_other_communities_listings_are_never_found(me, listings):
    elsewhere = make_community()
    make_listing(make_member(elsewhere, user=None), title="Secret gardening")
    assert "Secret gardening" not in titles(me, query="gardening")
