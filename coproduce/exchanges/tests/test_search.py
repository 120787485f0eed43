"""Search finds listings the same way on SQLite and PostgreSQL, typos included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coproduce.communities.services import profile_update
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


# --- Privacy: search shows nothing the profile page would not -----------------------------------


def hits_by_title(actor, **filters):
    hits = selectors.listing_search(actor=actor, filters=selectors.SearchFilters(**filters))
    return {hit.listing.title: hit for hit in hits}


def test_skills_kept_to_coordinators_do_not_find_the_offer(town, me):
    owner = make_member(town, user=None)
    owner.profile = profile_update(actor=owner, member=owner, gives_tags="saxophone")
    make_listing(owner, title="Music lessons")
    assert titles(me, query="saxophone") == ["Music lessons"]
    owner.profile = profile_update(actor=owner, member=owner, visibility={"gives": "coordinators"})
    assert titles(me, query="saxophone") == []
    assert titles(me, query="saxofone") == []
    make_listing(owner, title="More music")
    assert titles(me, query="saxophone") == []
    profile_update(actor=owner, member=owner, visibility={"gives": "members"})
    assert set(titles(me, query="saxophone")) == {"Music lessons", "More music"}


def test_hidden_free_times_do_not_answer_the_day_filter(town, me):
    owner = make_member(town, user=None)
    profile_update(
        actor=owner,
        member=owner,
        availability=["sat-morning"],
        visibility={"availability": "coordinators"},
    )
    make_listing(owner, title="Gardening on Saturdays")
    assert titles(me, day="sat") == []
    assert titles(me, day="sat", part="morning") == []
    assert titles(me, part="morning") == []
    coordinator = make_member(town, user=None, is_coordinator=True)
    assert titles(coordinator, day="sat") == ["Gardening on Saturdays"]


def located(member, latitude: str, longitude: str, **changes):
    member.profile = profile_update(
        actor=member,
        member=member,
        approx_latitude=Decimal(latitude),
        approx_longitude=Decimal(longitude),
        **changes,
    )


def test_a_hidden_neighbourhood_gives_no_distance(town, me):
    located(me, "51.43", "-0.09")
    owner = make_member(town, user=None)
    located(owner, "51.43", "-0.09", visibility={"neighbourhood": "coordinators"})
    make_listing(owner, title="Gardening nearby")
    assert hits_by_title(me)["Gardening nearby"].distance_km is None
    assert titles(me, within_km=10) == []


def test_two_homes_300_m_apart_in_one_area_look_the_same_from_everywhere(town, me):
    """The attack: set your own location, search with within_km=0 (or 1, 2, …), step across
    the grid. Two members whose homes are 300 m apart (stored 0.01° apart) must answer every
    such search alike, and with the same distance shown."""
    first, second = make_member(town, user=None), make_member(town, user=None)
    located(first, "51.4230", "-0.0950")
    located(second, "51.4257", "-0.0950")
    assert first.profile.approx_latitude != second.profile.approx_latitude  # stored apart
    make_listing(first, title="First")
    make_listing(second, title="Second")
    for lat_step in range(-4, 5):
        for lon_step in range(-4, 5):
            me.profile.approx_latitude = Decimal("51.42") + Decimal(lat_step) / 100
            me.profile.approx_longitude = Decimal("-0.10") + Decimal(lon_step) / 100
            for within_km in (None, 0, 1, 2, 4):
                found = hits_by_title(me, within_km=within_km)
                assert ("First" in found) == ("Second" in found), (lat_step, lon_step, within_km)
                if "First" in found:
                    assert found["First"].distance_km == found["Second"].distance_km


def test_within_0_km_is_taken_as_the_smallest_distance(town, me):
    located(me, "51.43", "-0.09")
    near, far = make_member(town, user=None), make_member(town, user=None)
    located(near, "51.45", "-0.09")  # about 2 km north
    located(far, "51.53", "-0.09")  # about 11 km north
    make_listing(near, title="Near")
    make_listing(far, title="Far")
    for within_km in (-5, 0, 1, 2, search.MIN_WITHIN_KM):
        assert titles(me, within_km=within_km) == ["Near"]
    assert hits_by_title(me)["Near"].distance_km == search.MIN_WITHIN_KM
    assert titles(me, within_km=20) == ["Near", "Far"]
