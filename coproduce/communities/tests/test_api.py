"""The communities API: scoped by community, structured errors with the right status."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from coproduce.api.services import api_token_create
from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def token_client(user) -> Client:
    raw = api_token_create(user=user, name="test").raw
    return Client(headers={"authorization": f"Bearer {raw}"})


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_my_communities(member):
    response = token_client(member.user).get("/api/v1/communities")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": member.pk,
            "status": "active",
            "roles": ["member"],
            "community": {
                "slug": member.community.slug,
                "name": member.community.name,
                "kind": member.community.kind,
                "language": "en",
                "timezone": "Europe/London",
            },
        }
    ]


def test_without_credentials_the_answer_is_401(community):
    assert_error(
        Client().get(f"/api/v1/communities/{community.slug}/memberships"), 401, "unauthenticated"
    )
    bad = Client(headers={"authorization": "Bearer cp_not_a_token"})
    assert_error(bad.get("/api/v1/communities"), 401, "unauthenticated")


def test_a_revoked_token_no_longer_works(member):
    from coproduce.api.services import api_token_revoke

    new = api_token_create(user=member.user, name="spreadsheet")
    client = Client(headers={"authorization": f"Bearer {new.raw}"})
    assert client.get("/api/v1/communities").status_code == 200
    api_token_revoke(user=member.user, token=new.token)
    assert_error(client.get("/api/v1/communities"), 401, "unauthenticated")


def test_members_are_listed_with_pagination(member, community):
    MembershipFactory.create_batch(3, community=community)
    response = token_client(member.user).get(
        f"/api/v1/communities/{community.slug}/memberships?limit=2"
    )
    body = response.json()
    assert body["count"] == 4
    assert len(body["items"]) == 2
    assert "phone" not in body["items"][0]["profile"]


def test_another_communitys_data_is_404(member):
    other = CommunityFactory()
    outsider_member = MembershipFactory(community=other)
    client = token_client(member.user)
    assert_error(client.get(f"/api/v1/communities/{other.slug}/memberships"), 404, "not_found")
    assert_error(
        client.get(f"/api/v1/communities/{member.community.slug}/memberships/{outsider_member.pk}"),
        404,
        "not_found",
    )


def test_a_member_cannot_register_people_403(member):
    response = token_client(member.user).post(
        f"/api/v1/communities/{member.community.slug}/memberships",
        {"display_name": "Vera"},
        content_type="application/json",
    )
    assert_error(response, 403, "forbidden")


def test_coordinator_registers_a_member_and_bad_input_is_400(coordinator):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(coordinator.user, generate_totp_secret())
    client = token_client(coordinator.user)
    url = f"/api/v1/communities/{coordinator.community.slug}/memberships"
    error = assert_error(
        client.post(url, {"display_name": "", "phone": "1" * 41}, content_type="application/json"),
        400,
        "invalid",
    )
    assert set(error["fields"]) == {"display_name", "phone"}
    response = client.post(url, {"display_name": "Vera Lumley"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["has_login"] is False


def test_coordinator_without_second_factor_is_refused_403(coordinator):
    response = token_client(coordinator.user).get("/api/v1/communities")
    assert_error(response, 403, "second_factor_required")


def test_profile_update_and_privacy(member, community):
    client = token_client(member.user)
    response = client.patch(
        f"/api/v1/communities/{community.slug}/profile",
        {"pronouns": "they/them", "phone": "029 2000 0000"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "029 2000 0000"
    other = MembershipFactory(community=community)
    other_client = token_client(other.user)
    public = other_client.get(
        f"/api/v1/communities/{community.slug}/memberships/{member.pk}/profile"
    ).json()
    assert public["pronouns"] == "they/them"
    assert "phone" not in public
    assert_error(
        other_client.patch(
            f"/api/v1/communities/{community.slug}/memberships/{member.pk}/profile",
            {"display_name": "Hacked"},
            content_type="application/json",
        ),
        403,
        "forbidden",
    )


def test_profile_update_refuses_bad_choice(member, community):
    response = token_client(member.user).patch(
        f"/api/v1/communities/{community.slug}/profile",
        {"contact_preference": "pigeon"},
        content_type="application/json",
    )
    error = assert_error(response, 400, "invalid")
    assert "contact_preference" in error["fields"]


def test_asking_to_join_twice_is_409(community):
    from coproduce.communities.tests.factories import UserFactory

    client = token_client(UserFactory())
    url = f"/api/v1/communities/{community.slug}/join-requests"
    first = client.post(url, {"message": "Hello"}, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["status"] == Membership.Status.PENDING
    assert_error(client.post(url, {}, content_type="application/json"), 409, "already_member")


def test_malformed_json_is_400(member, community):
    response = token_client(member.user).patch(
        f"/api/v1/communities/{community.slug}/profile",
        "{not json",
        content_type="application/json",
    )
    assert_error(response, 400, "invalid")


def test_openapi_schema_documents_the_endpoints():
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Coproduce API"
    assert "/api/v1/communities/{community}/memberships" in schema["paths"]
    assert "/api/v1/communities/{community}/profile" in schema["paths"]


def test_an_invitation_only_community_answers_a_join_request_as_if_it_did_not_exist():
    from coproduce.communities.tests.factories import UserFactory

    closed = CommunityFactory(slug="closed", accepts_join_requests=False)
    client = token_client(UserFactory())
    answers = [
        client.post(
            f"/api/v1/communities/{slug}/join-requests",
            {"message": "Hello"},
            content_type="application/json",
        )
        for slug in ("closed", "no-such-community")
    ]
    for answer in answers:
        assert_error(answer, 404, "not_found")
    assert answers[0].content == answers[1].content
    assert not Membership.objects.filter(community=closed).exists()


def test_a_member_of_an_invitation_only_community_is_told_they_already_belong():
    closed = CommunityFactory(accepts_join_requests=False)
    insider = MembershipFactory(community=closed)
    response = token_client(insider.user).post(
        f"/api/v1/communities/{closed.slug}/join-requests", {}, content_type="application/json"
    )
    assert_error(response, 409, "already_member")


def test_a_call_with_a_token_is_answered_without_making_a_session(member):
    """Pages and the API find the acting membership with one helper (communities/acting.py);
    only a browser's session remembers the community, a token call leaves nothing behind."""
    response = token_client(member.user).get(f"/api/v1/communities/{member.community.slug}/profile")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
