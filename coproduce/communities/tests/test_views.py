"""Community pages as people use them: what they see, and bad input handled kindly."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import escape

from coproduce.communities.models import Membership, Organisation
from coproduce.communities.tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_asked_to_sign_in(community):
    response = Client().get(f"/c/{community.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_sends_a_member_to_their_community(member_client, member):
    response = member_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"/c/{member.community.slug}/"


def test_home_remembers_the_last_community_used(member):
    second = MembershipFactory(user=member.user)
    client = Client()
    client.force_login(member.user)
    client.get(f"/c/{second.community.slug}/")
    assert client.get("/")["Location"] == f"/c/{second.community.slug}/"


def test_community_home_greets_the_member(member_client, member):
    response = member_client.get(f"/c/{member.community.slug}/")
    assert response.status_code == 200
    assert escape(member.profile.display_name) in response.content.decode()


def test_a_member_of_another_community_gets_404(member_client):
    other = CommunityFactory()
    assert member_client.get(f"/c/{other.slug}/").status_code == 404
    assert member_client.get(f"/c/{other.slug}/members/").status_code == 404


def test_a_pending_member_cannot_enter_yet(community):
    pending = MembershipFactory(community=community, status=Membership.Status.PENDING)
    client = Client()
    client.force_login(pending.user)
    assert client.get(f"/c/{community.slug}/").status_code == 404


def test_profile_edit_reshows_what_was_typed_with_the_error_beside_the_field(member_client, member):
    url = f"/c/{member.community.slug}/profile/"
    response = member_client.post(
        url,
        {
            "display_name": "",
            "pronouns": "she/her",
            "languages": "Welsh",
            "contact_preference": "phone",
            "phone": "029 2000 0000",
            "accessibility_needs": "Quiet room",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert 'href="#id_display_name"' in page
    assert 'id="id_display_name_error"' in page
    assert 'value="she/her"' in page and 'value="029 2000 0000"' in page
    assert "Quiet room" in page
    member.profile.refresh_from_db()
    assert member.profile.pronouns == ""


def test_profile_edit_saves(member_client, member):
    url = f"/c/{member.community.slug}/profile/"
    response = member_client.post(
        url,
        {"display_name": "Agnes D.", "contact_preference": "text", "languages": "English"},
    )
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.display_name == "Agnes D."
    assert member.profile.contact_preference == "text"


def test_oversized_input_is_refused_with_a_message(member_client, member):
    response = member_client.post(
        f"/c/{member.community.slug}/profile/",
        {"display_name": "x" * 81, "contact_preference": "email"},
    )
    assert response.status_code == 200
    assert "at most 80 characters" in response.content.decode()
    member.profile.refresh_from_db()
    assert member.profile.display_name != "x" * 81


def test_contact_details_are_for_the_person_and_coordinators_only(
    community, member, member_client, coordinator_client
):
    other = MembershipFactory(community=community)
    other.profile.phone = "07700 900123"
    other.profile.save()
    url = f"/c/{community.slug}/members/{other.pk}/"
    assert "07700 900123" not in member_client.get(url).content.decode()
    assert "07700 900123" in coordinator_client.get(url).content.decode()


def test_members_cannot_open_coordinator_pages(member_client, member):
    slug = member.community.slug
    for path in ("members/new/", "requests/", "invitations/", f"members/{member.pk}/roles/"):
        assert member_client.get(f"/c/{slug}/{path}").status_code == 403


def test_member_list_search(member_client, community):
    MembershipFactory(community=community, profile__display_name="Tunde Adebayo")
    MembershipFactory(community=community, profile__display_name="Marek Nowak")
    page = member_client.get(f"/c/{community.slug}/members/?q=tunde").content.decode()
    assert "Tunde Adebayo" in page
    assert "Marek Nowak" not in page


def test_member_list_uses_the_same_number_of_queries_however_many_members(member_client, community):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert member_client.get(f"/c/{community.slug}/members/").status_code == 200
        return len(context.captured_queries)

    MembershipFactory.create_batch(3, community=community)
    few = count()
    MembershipFactory.create_batch(40, community=community)
    assert count() == few


def test_coordinator_registers_a_member_without_a_login(coordinator_client, community):
    url = f"/c/{community.slug}/members/new/"
    response = coordinator_client.post(
        url, {"display_name": "", "phone": "01234 567890", "contact_preference": "phone"}
    )
    assert response.status_code == 200
    assert 'value="01234 567890"' in response.content.decode()
    response = coordinator_client.post(
        url, {"display_name": "Vera Lumley", "phone": "01234 567890", "contact_preference": "phone"}
    )
    assert response.status_code == 302
    vera = Membership.objects.get(community=community, profile__display_name="Vera Lumley")
    assert vera.user is None
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "a coordinator acts for them" in page


def test_join_requests_are_approved_from_the_list(coordinator_client, community):
    pending = MembershipFactory(community=community, status=Membership.Status.PENDING)
    page = coordinator_client.get(f"/c/{community.slug}/requests/").content.decode()
    assert escape(pending.profile.display_name) in page
    response = coordinator_client.post(
        f"/c/{community.slug}/requests/{pending.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_active


def test_directory_and_asking_to_join(community):
    CommunityFactory(name="Closed", accepts_join_requests=False)
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get("/communities/").content.decode()
    assert community.name in page
    assert "Closed" not in page
    response = client.post(f"/communities/{community.slug}/join/", {"message": "Hi"})
    assert response.status_code == 302
    assert Membership.objects.get(user=user).status == Membership.Status.PENDING


def test_invitation_link_joins_straight_away(coordinator_client, community):
    coordinator_client.post(f"/c/{community.slug}/invitations/", {"note": "Tunde", "max_uses": 1})
    invitation = community.invitations.get()
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get(invitation.get_absolute_url()).content.decode()
    assert community.name in page
    response = client.post(invitation.get_absolute_url())
    assert response["Location"] == f"/c/{community.slug}/"
    assert Membership.objects.get(user=user, community=community).is_active


def test_invitation_form_keeps_input_on_error(coordinator_client, community):
    response = coordinator_client.post(
        f"/c/{community.slug}/invitations/", {"note": "For Tunde", "max_uses": 0}
    )
    page = response.content.decode()
    assert "Choose a number from 1 to 500." in page
    assert 'value="For Tunde"' in page
    assert not community.invitations.exists()


def test_duplicate_organisation_name_is_refused_kindly(coordinator_client, community):
    OrganisationFactory(community=community, name="Canton Sports Centre")
    response = coordinator_client.post(
        f"/c/{community.slug}/organisations/",
        {"name": "Canton Sports Centre", "kind": "leisure", "description": "Gym"},
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert Organisation.objects.filter(community=community).count() == 1


def test_roles_page_keeps_admin_for_admins(coordinator_client, community, member):
    response = coordinator_client.post(
        f"/c/{community.slug}/members/{member.pk}/roles/", {"is_member": "on", "is_admin": "on"}
    )
    assert response.status_code == 200
    assert "Only an administrator" in response.content.decode()
    member.refresh_from_db()
    assert not member.is_admin


def without_csrf_token(response) -> str:
    """The page, less the masked CSRF token that differs in every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_an_invitation_only_community_is_invisible_to_people_outside_it():
    CommunityFactory(name="Closed circle", slug="closed", accepts_join_requests=False)
    client = Client()
    client.force_login(UserFactory())
    assert "Closed circle" not in client.get("/communities/").content.decode()
    for method in ("get", "post"):
        closed = getattr(client, method)("/communities/closed/join/")
        unknown = getattr(client, method)("/communities/no-such-community/join/")
        assert closed.status_code == unknown.status_code == 404
        # The language switcher returns to the page asked for: the only other difference.
        assert without_csrf_token(closed) == without_csrf_token(unknown).replace(
            "no-such-community", "closed"
        )
    assert not Membership.objects.filter(community__slug="closed").exists()


@pytest.mark.parametrize(
    "query",
    [
        {"page": "100000000000000000000"},
        {"page": "1" * 5000},
        {"page": "\u00b2"},
    ],
)
def test_odd_search_text_and_page_numbers_show_the_member_list(member_client, community, query):
    """PostgreSQL can't hold an integer this big; the page answers anyway (a page past the end
    shows the last page). A NUL in the search is refused before any page runs:
    api/tests/test_errors.py::test_a_nul_character_on_a_page_gets_a_plain_page_not_an_error."""
    MembershipFactory(community=community, profile__display_name="Tunde Adebayo")
    response = member_client.get(f"/c/{community.slug}/members/", query)
    assert response.status_code == 200
    assert "Tunde Adebayo" in response.content.decode()


def test_an_invitation_address_with_odd_characters_is_not_found(member_client):
    for client in (Client(), member_client):
        assert client.get("/communities/invitations/a%00b/").status_code == 404
        assert client.post("/communities/invitations/a%00b/").status_code == 404


@pytest.mark.parametrize("typed", ["NaN, NaN", "sNaN, 0", "0, -NaN", "51.43", "north, west"])
def test_a_location_that_is_not_two_numbers_gets_a_plain_message(member_client, member, typed):
    """Decimal reads "NaN", and comparing it with a latitude is an error, not False."""
    response = member_client.post(
        f"/c/{member.community.slug}/profile/",
        {"display_name": "Ann", "contact_preference": "email", "approx_location": typed},
    )
    page = response.content.decode()
    assert response.status_code in (200, 400)
    assert 'id="id_approx_location_error"' in page and f'value="{typed}"' in page
    assert escape("Write two numbers with a comma between, like 51.43, -0.09.") in page
    member.profile.refresh_from_db()
    assert member.profile.approx_latitude is None
