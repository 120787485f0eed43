"""Role changes in depth: every combination of roles against the admin flag, the last
administrator, and what the roles page says (the table of every role against every action is
in test_permissions.py)."""

from __future__ import annotations

from typing import cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from coproduce.communities import services
from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
)
from coproduce.people.tests.sign_in import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

ROLE_SETS = {
    "member": {"is_member": True},
    "coordinator": {"is_member": True, "is_coordinator": True},
    "partner": {"is_member": False, "is_partner": True},
    "referrer": {"is_member": False, "is_referrer": True},
    "observer": {"is_member": False, "is_observer": True},
    "admin": {"is_member": True, "is_admin": True},
    "coordinator and admin": {"is_member": True, "is_coordinator": True, "is_admin": True},
}
ADMIN_ROLE_SETS = {"admin", "coordinator and admin"}
STAFF_ROLE_SETS = {"coordinator", *ADMIN_ROLE_SETS}


def person(community, roles: str) -> Membership:
    flags: dict[str, object] = dict(ROLE_SETS[roles])
    if flags.get("is_partner"):
        flags["organisation"] = OrganisationFactory(community=community)
    return cast(Membership, MembershipFactory(community=community, **flags))


def stored(membership: Membership) -> Membership:
    return Membership.objects.get(pk=membership.pk)


def outcome(change) -> str:
    try:
        change()
    except PermissionDenied:
        return "forbidden"
    except ValidationError:
        return "refused"
    return "done"


@pytest.fixture
def town():
    return CommunityFactory()


@pytest.fixture
def founder(town):
    """An administrator who is not the actor, so that removing an admin is not the last one."""
    return person(town, "coordinator and admin")


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_making_someone_an_administrator_needs_an_administrator(town, founder, roles):
    actor, target = person(town, roles), person(town, "member")
    result = outcome(
        lambda: services.membership_roles_set(
            actor=actor, member=target, is_member=True, is_admin=True
        )
    )
    assert result == ("done" if roles in ADMIN_ROLE_SETS else "forbidden")
    assert stored(target).is_admin is (roles in ADMIN_ROLE_SETS)


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_removing_an_administrator_needs_an_administrator(town, founder, roles):
    actor, target = person(town, roles), person(town, "coordinator and admin")
    result = outcome(
        lambda: services.membership_roles_set(
            actor=actor, member=target, is_member=True, is_coordinator=True, is_admin=False
        )
    )
    assert result == ("done" if roles in ADMIN_ROLE_SETS else "forbidden")
    assert stored(target).is_admin is (roles not in ADMIN_ROLE_SETS)


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_leaving_the_admin_flag_out_of_the_change_keeps_it(town, founder, roles):
    """Coordinators may change an administrator's other roles; the admin flag stays."""
    actor, target = person(town, roles), person(town, "coordinator and admin")
    result = outcome(
        lambda: services.membership_roles_set(
            actor=actor, member=target, is_member=True, is_coordinator=False
        )
    )
    assert result == ("done" if roles in STAFF_ROLE_SETS else "forbidden")
    assert stored(target).is_admin is True


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_other_roles_are_set_by_coordinators_and_administrators(town, founder, roles):
    actor, target = person(town, roles), person(town, "member")
    result = outcome(
        lambda: services.membership_roles_set(
            actor=actor, member=target, is_member=True, is_coordinator=True, is_admin=False
        )
    )
    assert result == ("done" if roles in STAFF_ROLE_SETS else "forbidden")
    assert stored(target).is_coordinator is (roles in STAFF_ROLE_SETS)


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_the_last_administrator_cannot_be_removed_by_anyone(roles):
    town = CommunityFactory()
    last = person(town, "coordinator and admin")
    actor = last if roles == "coordinator and admin" else person(town, roles)
    if roles == "admin":
        # Two administrators: one removes the other, then nobody can remove the one left.
        services.membership_roles_set(actor=actor, member=last, is_member=True, is_admin=False)
        last = actor
    result = outcome(
        lambda: services.membership_roles_set(
            actor=actor, member=last, is_member=True, is_coordinator=True, is_admin=False
        )
    )
    assert result == ("refused" if roles in ADMIN_ROLE_SETS else "forbidden")
    assert stored(last).is_admin is True


def test_roles_in_another_community_are_out_of_reach(town, founder):
    elsewhere = person(CommunityFactory(), "member")
    with pytest.raises(PermissionDenied):
        services.membership_roles_set(actor=founder, member=elsewhere, is_admin=True)
    assert stored(elsewhere).is_admin is False


# --- Through the page -----------------------------------------------------------------------------


def signed_in_with_second_factor(membership: Membership) -> Client:
    return sign_in_with_second_factor(membership.user)


def test_a_coordinator_posting_the_roles_page_cannot_remove_an_administrator(town, founder):
    coordinator = person(town, "coordinator")
    client = signed_in_with_second_factor(coordinator)
    url = f"/c/{town.slug}/members/{founder.pk}/roles/"
    page = client.get(url).content.decode()
    assert "Only an administrator can change who is an administrator." in page
    response = client.post(url, {"is_member": "on", "is_coordinator": "on"})
    assert response.status_code == 200
    assert "Ask one of this community&#x27;s administrators." in response.content.decode()
    assert stored(founder).is_admin is True


def test_a_coordinator_posting_the_roles_page_cannot_make_an_administrator(town, founder):
    coordinator, target = person(town, "coordinator"), person(town, "member")
    client = signed_in_with_second_factor(coordinator)
    response = client.post(
        f"/c/{town.slug}/members/{target.pk}/roles/", {"is_member": "on", "is_admin": "on"}
    )
    assert response.status_code == 200
    assert stored(target).is_admin is False


def test_an_administrator_uses_the_page_to_change_the_admin_role(town, founder):
    target = person(town, "member")
    client = signed_in_with_second_factor(founder)
    url = f"/c/{town.slug}/members/{target.pk}/roles/"
    assert client.post(url, {"is_member": "on", "is_admin": "on"}).status_code == 302
    assert stored(target).is_admin is True
    assert client.post(url, {"is_member": "on"}).status_code == 302
    assert stored(target).is_admin is False


def test_the_last_administrator_is_told_what_to_do_first(town, founder):
    client = signed_in_with_second_factor(founder)
    response = client.post(
        f"/c/{town.slug}/members/{founder.pk}/roles/", {"is_member": "on", "is_coordinator": "on"}
    )
    assert response.status_code == 200
    assert "Make someone else an administrator first" in response.content.decode()
    assert stored(founder).is_admin is True
