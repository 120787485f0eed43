"""What one member sees of another's profile is decided in one place, and every way in (the
page, the members API, the profile API) shows the same: nothing the person kept private."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from coproduce.api.services import api_token_create
from coproduce.communities import selectors
from coproduce.communities.services import profile_update
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory
from coproduce.exchanges.services import categories_seed_within
from coproduce.people.tests.sign_in import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

SECRETS = {
    "gives_tags": "secret-skill-baking",
    "good_life": "secret-good-life",
    "availability_note": "secret-free-time",
    "neighbourhood": "Secretwood",
    "languages": "Secret Tongue",
    "phone": "0700 SECRET",
    "accessibility_needs": "secret-needs",
}


@pytest.fixture
def town():
    community = CommunityFactory(slug="town")
    categories_seed_within(community=community)
    return community


@pytest.fixture
def ann(town):
    """Keeps everything to coordinators, except what she can give."""
    ann = MembershipFactory(community=town)
    profile_update(
        actor=ann,
        member=ann,
        gives_categories=["gardening"],
        needs_categories=["it-help"],
        availability=["sat-morning"],
        approx_latitude=Decimal("51.43"),
        approx_longitude=Decimal("-0.09"),
        visibility={
            "gives": "coordinators",
            "needs": "coordinators",
            "availability": "coordinators",
            "languages": "coordinators",
            "neighbourhood": "coordinators",
        },
        **SECRETS,
    )
    return ann


def api(member) -> Client:
    return Client(
        headers={"authorization": f"Bearer {api_token_create(user=member.user, name='t').raw}"}
    )


def every_view_of(viewer, ann) -> dict[str, str]:
    if viewer.is_coordinator or viewer.is_admin:
        page = sign_in_with_second_factor(viewer.user)
    else:
        page = Client()
        page.force_login(viewer.user)
    client = api(viewer)
    base = "/api/v1/communities/town/memberships"
    return {
        "API list": client.get(base).content.decode(),
        "API list search": client.get(
            f"{base}?search={ann.profile.display_name[:4]}"
        ).content.decode(),
        "API detail": client.get(f"{base}/{ann.pk}").content.decode(),
        "API profile": client.get(f"{base}/{ann.pk}/profile").content.decode(),
        "page": page.get(f"/c/town/members/{ann.pk}/").content.decode(),
    }


def test_no_way_in_shows_a_member_what_the_person_kept_to_coordinators(town, ann):
    bob = MembershipFactory(community=town)
    for where, body in every_view_of(bob, ann).items():
        for field, secret in SECRETS.items():
            assert secret not in body, f"{where} showed {field}"
        assert "sat-morning" not in body, where
        assert "it-help" not in body, where
        assert "51.43" not in body, where


def test_good_life_is_kept_to_coordinators_by_default(town):
    ann = MembershipFactory(community=town)
    profile_update(actor=ann, member=ann, good_life="secret-good-life", gives_tags="open-baking")
    bob = MembershipFactory(community=town)
    for where, body in every_view_of(bob, ann).items():
        assert "secret-good-life" not in body, where
    api_detail = every_view_of(bob, ann)["API detail"]
    assert "open-baking" in api_detail


def test_parts_opened_to_members_are_shown_to_members(town, ann):
    profile_update(
        actor=ann,
        member=ann,
        visibility={
            "good_life": "members",
            "availability": "public",
            "gives": "members",
            "neighbourhood": "coordinators",
        },
    )
    bob = MembershipFactory(community=town)
    for where, body in every_view_of(bob, ann).items():
        assert "secret-good-life" in body, where
        assert "secret-free-time" in body, where
        assert "secret-skill-baking" in body, where
        assert "Secretwood" not in body, where


def test_the_person_and_coordinators_see_everything(town, ann):
    coordinator = MembershipFactory(community=town, is_coordinator=True)
    for viewer in (ann, coordinator):
        views = every_view_of(viewer, ann)
        for where in ("API detail", "API profile", "page"):
            for field in ("gives_tags", "good_life", "neighbourhood"):
                assert SECRETS[field] in views[where], f"{where} hid {field} from its owner"


def test_the_selector_gives_someone_in_another_community_nothing(town, ann):
    outsider = MembershipFactory(community=CommunityFactory())
    assert selectors.profile_visible_parts(viewer=outsider, membership=ann) == frozenset()
    seen = selectors.profile_as_seen(viewer=outsider, membership=ann)
    assert seen.good_life == seen.gives_tags == seen.phone == ""
    assert seen.approx_latitude is None
    ann.profile.refresh_from_db()
    assert ann.profile.good_life == "secret-good-life", "the copy must not change the profile"
