"""Communities services: joining, invitations, registering members, roles, profiles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coproduce.communities import services
from coproduce.communities.models import Community, Invitation, Membership
from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_join_request_waits_for_a_coordinator_who_is_told_by_email(
    community, django_capture_on_commit_callbacks
):
    coordinator = CoordinatorFactory(community=community)
    user = UserFactory(name="Agnes Doyle")
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.community_join_request(
            community=community, user=user, message="Hello"
        )
    assert membership.status == Membership.Status.PENDING
    assert membership.profile.display_name == "Agnes Doyle"
    assert [m.to for m in mail.outbox] == [[coordinator.user.email]]
    assert "Agnes Doyle" in mail.outbox[0].subject


def test_asking_twice_keeps_one_request(community):
    user = UserFactory()
    first = services.community_join_request(community=community, user=user)
    second = services.community_join_request(community=community, user=user)
    assert first.pk == second.pk
    assert Membership.objects.filter(community=community, user=user).count() == 1


def test_invitation_only_community_refuses_requests():
    community = CommunityFactory(accepts_join_requests=False)
    with pytest.raises(ValidationError):
        services.community_join_request(community=community, user=UserFactory())
    assert not Membership.objects.filter(community=community).exists()


def test_coordinator_approves_and_the_member_becomes_active(community, coordinator):
    pending = services.community_join_request(community=community, user=UserFactory())
    approved = services.join_request_decide(actor=coordinator, request=pending, approve=True)
    assert approved.status == Membership.Status.ACTIVE
    assert approved.decided_by == coordinator


def test_a_request_is_answered_only_once(community, coordinator):
    pending = services.community_join_request(community=community, user=UserFactory())
    services.join_request_decide(actor=coordinator, request=pending, approve=False)
    with pytest.raises(ValidationError):
        services.join_request_decide(actor=coordinator, request=pending, approve=True)
    pending.refresh_from_db()
    assert pending.status == Membership.Status.DECLINED


def test_a_member_cannot_approve(community, member):
    pending = services.community_join_request(community=community, user=UserFactory())
    with pytest.raises(PermissionDenied):
        services.join_request_decide(actor=member, request=pending, approve=True)


def test_a_coordinator_cannot_approve_for_another_community(community):
    other_coordinator = CoordinatorFactory()
    pending = services.community_join_request(community=community, user=UserFactory())
    with pytest.raises(PermissionDenied):
        services.join_request_decide(actor=other_coordinator, request=pending, approve=True)


def test_invitation_link_lets_people_join_with_its_roles(coordinator):
    invitation = services.invitation_create(actor=coordinator, as_referrer=True, max_uses=2)
    user = UserFactory()
    result = services.invitation_accept(token=invitation.token, user=user)
    assert result.created
    assert result.membership.is_active
    assert result.membership.is_referrer
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_used_up_expired_or_revoked_invitations_do_not_work(coordinator):
    used = services.invitation_create(actor=coordinator, max_uses=1)
    services.invitation_accept(token=used.token, user=UserFactory())
    expired = services.invitation_create(actor=coordinator)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked = services.invitation_revoke(
        actor=coordinator, invitation=services.invitation_create(actor=coordinator)
    )
    for invitation in (used, expired, revoked):
        with pytest.raises(ValidationError):
            services.invitation_accept(token=invitation.token, user=UserFactory())
    assert Membership.objects.filter(community=coordinator.community).count() == 2


def test_a_user_can_belong_to_several_communities():
    user = UserFactory()
    first = MembershipFactory(user=user)
    second = MembershipFactory(user=user)
    assert first.community != second.community
    assert set(user.memberships.values_list("community__slug", flat=True)) == {
        first.community.slug,
        second.community.slug,
    }


def test_coordinator_registers_a_member_without_a_login(coordinator):
    member = services.member_register(
        actor=coordinator, display_name="Vera Lumley", phone="020 7946 0012"
    )
    assert member.user is None
    assert not member.has_login
    assert member.created_by == coordinator.user
    assert member.profile.contact_preference == "coordinator"
    assert member.profile.phone == "020 7946 0012"


def test_members_cannot_register_people(member):
    with pytest.raises(PermissionDenied):
        services.member_register(actor=member, display_name="Someone")


def test_profile_update_refuses_an_empty_name_and_changes_nothing(member):
    with pytest.raises(ValidationError) as error:
        services.profile_update(actor=member, member=member, display_name="", pronouns="she/her")
    assert "display_name" in error.value.message_dict
    member.profile.refresh_from_db()
    assert member.profile.pronouns == ""
    assert member.profile.display_name


def test_a_coordinator_edits_a_profile_on_someones_behalf(coordinator, member):
    services.profile_update(actor=coordinator, member=member, accessibility_needs="Large print")
    member.profile.refresh_from_db()
    assert member.profile.accessibility_needs == "Large print"


def test_a_member_cannot_edit_another_members_profile(community, member):
    other = MembershipFactory(community=community)
    with pytest.raises(PermissionDenied):
        services.profile_update(actor=member, member=other, display_name="Changed")


def test_roles_combine_and_partners_need_an_organisation(coordinator, member):
    with pytest.raises(ValidationError):
        services.membership_roles_set(actor=coordinator, member=member, is_partner=True)
    organisation = OrganisationFactory(community=coordinator.community)
    updated = services.membership_roles_set(
        actor=coordinator,
        member=member,
        organisation=organisation,
        is_partner=True,
        is_referrer=True,
    )
    assert {role.value for role in updated.roles} == {"member", "partner", "referrer"}
    assert updated.organisation == organisation


def test_only_an_admin_makes_an_admin(coordinator, member):
    with pytest.raises(PermissionDenied):
        services.membership_roles_set(actor=coordinator, member=member, is_admin=True)
    admin = CoordinatorFactory(community=coordinator.community, is_admin=True)
    assert services.membership_roles_set(actor=admin, member=member, is_admin=True).is_admin


def test_everyone_keeps_at_least_one_role(coordinator, member):
    with pytest.raises(ValidationError):
        services.membership_roles_set(actor=coordinator, member=member, is_member=False)
    member.refresh_from_db()
    assert member.is_member


def test_organisation_in_another_community_is_refused(coordinator, member):
    elsewhere = OrganisationFactory()
    with pytest.raises(ValidationError):
        services.membership_roles_set(
            actor=coordinator, member=member, organisation=elsewhere, is_partner=True
        )


def test_community_create_makes_the_founder_coordinator_and_admin():
    founder = UserFactory()
    community = services.community_create(
        name="Caol Parents' Nursery", slug="caol", kind=Community.Kind.SERVICE, founder=founder
    )
    membership = Membership.objects.get(community=community, user=founder)
    assert membership.is_coordinator and membership.is_admin


def test_bad_time_zone_is_refused():
    with pytest.raises(ValidationError) as error:
        services.community_create(
            name="X", slug="x", kind=Community.Kind.TIME_BANK, timezone="Mars/Base"
        )
    assert "timezone" in error.value.message_dict
    assert not Community.objects.filter(slug="x").exists()


def test_a_community_can_start_with_a_coordinator_who_is_not_its_administrator():
    founder = UserFactory(name="Becky Osei")
    community = services.community_create(
        name="Paxton Green",
        slug="paxton",
        kind=Community.Kind.TIME_BANK,
        founder=founder,
        founder_is_admin=False,
    )
    membership = Membership.objects.get(community=community, user=founder)
    assert membership.is_coordinator and not membership.is_admin
    assert membership.profile.display_name == "Becky Osei"


def test_a_coordinator_adds_someone_with_a_login_and_their_roles(coordinator):
    organisation = OrganisationFactory(community=coordinator.community)
    user = UserFactory()
    added = services.membership_add(
        actor=coordinator,
        user=user,
        display_name="Dr Sam Patel",
        organisation=organisation,
        is_member=True,
        is_referrer=True,
        is_partner=True,
    )
    stored = Membership.objects.get(community=coordinator.community, user=user)
    assert stored == added and stored.is_active and stored.created_by == coordinator.user
    assert (stored.is_referrer, stored.is_partner, stored.organisation) == (
        True,
        True,
        organisation,
    )
    assert stored.profile.display_name == "Dr Sam Patel"


@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_adding_someone_needs_a_coordinator_and_an_administrator_needs_an_administrator(role):
    community = CommunityFactory()
    actor = (CoordinatorFactory if role == "coordinator" else MembershipFactory)(
        community=community
    )
    user = UserFactory()
    roles = {"is_member": True, "is_admin": role == "coordinator"}
    with pytest.raises(PermissionDenied):
        services.membership_add(actor=actor, user=user, display_name="Agnes", **roles)
    assert not Membership.objects.filter(user=user).exists()


def test_adding_someone_twice_or_without_a_role_is_refused(coordinator, member):
    with pytest.raises(ValidationError):
        services.membership_add(
            actor=coordinator, user=member.user, display_name="Again", is_member=True
        )
    newcomer = UserFactory()
    with pytest.raises(ValidationError):
        services.membership_add(
            actor=coordinator, user=newcomer, display_name="Nobody", is_member=False
        )
    assert not Membership.objects.filter(user=newcomer).exists()


@pytest.mark.django_db(transaction=True)
def test_the_within_forms_refuse_to_run_outside_a_transaction(coordinator):
    from coproduce.transactions import TransactionRequired

    with pytest.raises(TransactionRequired):
        services.member_register_within(actor=coordinator, display_name="Vera")
    assert not Membership.objects.filter(profile__display_name="Vera").exists()
