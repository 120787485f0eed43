"""The asset-based profile: what someone gives first, per-part privacy, approximate location."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from coproduce.communities.services import profile_update
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.exchanges.services import categories_seed_within

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    community = CommunityFactory(slug="town")
    categories_seed_within(community=community)
    return community


def signed_in(member):
    client = Client()
    client.force_login(member.user)
    return client


def test_the_profile_form_asks_what_you_can_give_first_and_saves_it(town):
    ann = MembershipFactory(community=town)
    page = signed_in(ann).get("/c/town/profile/").content.decode()
    assert page.index("What kinds of help can you give?") < page.index(
        "What kinds of help would you like?"
    )
    assert "What would a good life look like for you?" in page
    response = signed_in(ann).post(
        "/c/town/profile/",
        {
            "display_name": "Ann",
            "contact_preference": "email",
            "gives_categories": ["gardening", "befriending"],
            "gives_tags": "baking",
            "needs_categories": ["it-help"],
            "good_life": "Friends nearby",
            "availability": ["sat-morning"],
            "neighbourhood": "Kingswood",
            "approx_location": "51.4349, -0.0912",
            "visibility_good_life": "members",
        },
    )
    assert response.status_code == 302, response.content.decode()
    profile = ann.profile
    profile.refresh_from_db()
    assert profile.gives_categories == ["gardening", "befriending"]
    assert profile.availability == ["sat-morning"]
    assert (profile.approx_latitude, profile.approx_longitude) == (
        Decimal("51.43"),
        Decimal("-0.09"),
    )
    assert profile.visible_to("good_life") == "members"


def test_others_see_only_what_the_person_shares_and_never_the_location(town):
    ann, bob = MembershipFactory(community=town), MembershipFactory(community=town)
    profile_update(
        actor=ann,
        member=ann,
        good_life="A quiet secret",
        neighbourhood="Kingswood",
        gives_tags="baking",
        approx_latitude=Decimal("51.4349"),
        approx_longitude=Decimal("-0.0912"),
        visibility={"neighbourhood": "coordinators"},
    )
    page = signed_in(bob).get(f"/c/town/members/{ann.pk}/").content.decode()
    assert "baking" in page
    assert "A quiet secret" not in page and "Kingswood" not in page
    assert "51.43" not in page
    own = signed_in(ann).get(f"/c/town/members/{ann.pk}/").content.decode()
    assert "A quiet secret" in own and "Kingswood" in own


def test_unknown_categories_slots_and_audiences_are_refused(town):
    ann = MembershipFactory(community=town)
    for change in (
        {"gives_categories": ["juggling"]},
        {"availability": ["someday"]},
        {"visibility": {"good_life": "everyone"}},
        {"approx_latitude": Decimal("51.4")},
    ):
        with pytest.raises(ValidationError):
            profile_update(actor=ann, member=ann, **change)
