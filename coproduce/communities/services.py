"""Writes for communities: joining, registering members, roles, invitations, organisations.

Each public service opens the outermost transaction. The acting membership or user is always
recorded so that a member can see who acted for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.communities import hooks, permissions
from coproduce.communities.models import Community, Invitation, Membership, Organisation
from coproduce.people.models import Profile, User
from coproduce.transactions import requires_transaction


def _default_display_name(user: User) -> str:
    return (user.name or user.email.split("@")[0])[:80]


def _membership_open(
    *,
    community: Community,
    user: User | None,
    display_name: str,
    status: str,
    created_by: User | None,
    is_coordinator: bool = False,
    is_referrer: bool = False,
    join_message: str = "",
) -> Membership:
    membership = Membership(
        community=community,
        user=user,
        status=status,
        is_coordinator=is_coordinator,
        is_referrer=is_referrer,
        join_message=join_message,
        created_by=created_by,
    )
    membership.full_clean()
    membership.save()
    profile = Profile(membership=membership, display_name=display_name)
    profile.full_clean(exclude=["membership"])
    profile.save()
    _on_membership_activated(membership)
    return membership


def _on_membership_activated(membership: Membership) -> None:
    """Everything an active member is given, by the apps above (their time-credit account)."""
    if membership.status != Membership.Status.ACTIVE:
        return
    hooks.membership_activated.run(membership)


def _existing(community: Community, user: User) -> Membership | None:
    return Membership.objects.filter(community=community, user=user).first()


@transaction.atomic(durable=True)
def community_join_request(*, community: Community, user: User, message: str = "") -> Membership:
    """Ask to join; a coordinator approves. Asking twice is harmless."""
    existing = _existing(community, user)
    if existing is not None and existing.status in (
        Membership.Status.ACTIVE,
        Membership.Status.PENDING,
    ):
        return existing
    if not community.accepts_join_requests:
        raise ValidationError(_("This community only takes new members by invitation."))
    if existing is not None:
        existing.status = Membership.Status.PENDING
        existing.join_message = message
        existing.decided_at = None
        existing.decided_by = None
        existing.save(update_fields=["status", "join_message", "decided_at", "decided_by"])
        return existing
    membership = _membership_open(
        community=community,
        user=user,
        display_name=_default_display_name(user),
        status=Membership.Status.PENDING,
        created_by=user,
        join_message=message,
    )
    transaction.on_commit(lambda: _notify_coordinators_of_request(membership.pk))
    return membership


def _notify_coordinators_of_request(membership_pk: int) -> None:
    membership = Membership.objects.select_related("community", "profile").get(pk=membership_pk)
    recipients = list(
        Membership.objects.filter(
            community_id=membership.community_id,
            is_coordinator=True,
            status=Membership.Status.ACTIVE,
            user__isnull=False,
        ).values_list("user__email", flat=True)
    )
    if not recipients:
        return
    path = reverse("communities:join_requests", kwargs={"community": membership.community.slug})
    send_mail(
        subject=_("%(name)s asked to join %(community)s")
        % {"name": membership.profile.display_name, "community": membership.community.name},
        message=_("Please look at the request and say yes or no: %(path)s") % {"path": path},
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
        fail_silently=True,
    )


@transaction.atomic(durable=True)
def join_request_decide(*, actor: Membership, request: Membership, approve: bool) -> Membership:
    if not permissions.can_coordinate(actor) or request.community_id != actor.community_id:
        raise PermissionDenied
    request = Membership.objects.select_for_update().get(pk=request.pk)
    if request.status != Membership.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))
    request.status = Membership.Status.ACTIVE if approve else Membership.Status.DECLINED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.save(update_fields=["status", "decided_at", "decided_by"])
    _on_membership_activated(request)
    return request


@transaction.atomic(durable=True)
def invitation_create(
    *,
    actor: Membership,
    note: str = "",
    email: str = "",
    as_coordinator: bool = False,
    as_referrer: bool = False,
    max_uses: int = 1,
) -> Invitation:
    if not permissions.can_coordinate(actor):
        raise PermissionDenied
    invitation = Invitation(
        community_id=actor.community_id,
        note=note,
        email=email,
        as_coordinator=as_coordinator,
        as_referrer=as_referrer,
        max_uses=max_uses,
        created_by=actor,
    )
    invitation.full_clean()
    invitation.save()
    return invitation


@transaction.atomic(durable=True)
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    if not permissions.can_coordinate(actor) or invitation.community_id != actor.community_id:
        raise PermissionDenied
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@dataclass(frozen=True)
class InvitationResult:
    membership: Membership
    created: bool


@transaction.atomic(durable=True)
def invitation_accept(*, token: str, user: User) -> InvitationResult:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("community")
        .filter(token=token)
        .first()
    )
    if invitation is None or not invitation.is_usable:
        raise ValidationError(_("This invitation link has expired or has already been used."))
    existing = _existing(invitation.community, user)
    if existing is not None and existing.status == Membership.Status.ACTIVE:
        return InvitationResult(membership=existing, created=False)
    invitation.uses += 1
    invitation.save(update_fields=["uses"])
    if existing is not None:
        existing.status = Membership.Status.ACTIVE
        existing.is_coordinator = existing.is_coordinator or invitation.as_coordinator
        existing.is_referrer = existing.is_referrer or invitation.as_referrer
        existing.decided_at = timezone.now()
        existing.save(update_fields=["status", "is_coordinator", "is_referrer", "decided_at"])
        _on_membership_activated(existing)
        return InvitationResult(membership=existing, created=False)
    membership = _membership_open(
        community=invitation.community,
        user=user,
        display_name=_default_display_name(user),
        status=Membership.Status.ACTIVE,
        created_by=user,
        is_coordinator=invitation.as_coordinator,
        is_referrer=invitation.as_referrer,
    )
    return InvitationResult(membership=membership, created=True)


@transaction.atomic(durable=True)
def member_register(
    *,
    actor: Membership,
    display_name: str,
    phone: str = "",
    contact_preference: str = Profile.ContactPreference.COORDINATOR,
    accessibility_needs: str = "",
    languages: str = "",
) -> Membership:
    """A coordinator registers someone with no email, phone or computer."""
    return member_register_within(
        actor=actor,
        display_name=display_name,
        phone=phone,
        contact_preference=contact_preference,
        accessibility_needs=accessibility_needs,
        languages=languages,
    )


@requires_transaction
def member_register_within(
    *,
    actor: Membership,
    display_name: str,
    phone: str = "",
    contact_preference: str = Profile.ContactPreference.COORDINATOR,
    accessibility_needs: str = "",
    languages: str = "",
) -> Membership:
    """``member_register`` in the caller's transaction (the demo builder)."""
    if not permissions.can_coordinate(actor):
        raise PermissionDenied
    membership = _membership_open(
        community=actor.community,
        user=None,
        display_name=display_name,
        status=Membership.Status.ACTIVE,
        created_by=actor.user,
    )
    profile = membership.profile
    profile.phone = phone
    profile.contact_preference = contact_preference
    profile.accessibility_needs = accessibility_needs
    profile.languages = languages
    profile.full_clean(exclude=["membership"])
    profile.save()
    return membership


PROFILE_FIELDS = (
    "display_name",
    "pronouns",
    "gives_categories",
    "gives_tags",
    "needs_categories",
    "good_life",
    "availability",
    "availability_note",
    "languages",
    "contact_preference",
    "phone",
    "neighbourhood",
    "approx_latitude",
    "approx_longitude",
    "accessibility_needs",
    "visibility",
)


def _coarse(value: object) -> Decimal | None:
    """A coordinate rounded to 0.01° (about 1 km): the only precision ever stored."""
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _profile_assets_check(profile: Profile) -> None:
    from coproduce.people.models import AVAILABILITY_SLOTS, PROFILE_VISIBILITY_DEFAULTS, Visibility

    errors: dict[str, str] = {}
    known = {
        kind.slug
        for kind in hooks.community_kinds_of_help(
            profile.membership.community_id, in_use_only=False
        )
    }
    for field in ("gives_categories", "needs_categories"):
        value = getattr(profile, field)
        if not isinstance(value, list) or not set(value) <= known:
            errors[field] = _("Choose from this community's kinds of help.")
    if not isinstance(profile.availability, list) or not set(profile.availability) <= set(
        AVAILABILITY_SLOTS
    ):
        errors["availability"] = _("Choose days and times from the list.")
    visibility = profile.visibility
    if not isinstance(visibility, dict) or any(
        key not in PROFILE_VISIBILITY_DEFAULTS or value not in Visibility.values
        for key, value in visibility.items()
    ):
        errors["visibility"] = _("Choose who can see each part from the list.")
    if (profile.approx_latitude is None) != (profile.approx_longitude is None):
        errors["approx_latitude"] = _("Give both latitude and longitude, or neither.")
    if errors:
        raise ValidationError(errors)
    profile.approx_latitude = _coarse(profile.approx_latitude)
    profile.approx_longitude = _coarse(profile.approx_longitude)


@transaction.atomic(durable=True)
def profile_update(*, actor: Membership, member: Membership, **changes: object) -> Profile:
    """Change a member's profile (``PROFILE_FIELDS``); the apps above are told what changed."""
    return profile_update_within(actor=actor, member=member, **changes)


@requires_transaction
def profile_update_within(*, actor: Membership, member: Membership, **changes: object) -> Profile:
    """``profile_update`` in the caller's transaction (the demo builder)."""
    if not permissions.can_edit_profile(actor, member):
        raise PermissionDenied
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    profile = Profile.objects.select_for_update().get(membership=member)
    for field, value in changes.items():
        setattr(profile, field, value)
    _profile_assets_check(profile)
    profile.full_clean(exclude=["membership"])
    profile.save(update_fields=[*changes.keys(), "updated_at"])
    hooks.profile_changed.run(hooks.ProfileChanged(profile=profile, changed=frozenset(changes)))
    return profile


ROLE_FIELDS = (
    "is_member",
    "is_coordinator",
    "is_partner",
    "is_referrer",
    "is_observer",
    "is_admin",
)


@transaction.atomic(durable=True)
def membership_roles_set(
    *,
    actor: Membership,
    member: Membership,
    organisation: Organisation | None = None,
    **roles: bool,
) -> Membership:
    unknown = set(roles) - set(ROLE_FIELDS)
    if unknown:
        raise ValueError(f"Not roles: {sorted(unknown)}")
    if member.community_id != actor.community_id or not permissions.can_change_roles(actor):
        raise PermissionDenied
    if organisation is not None and organisation.community_id != actor.community_id:
        raise ValidationError({"organisation": _("Choose an organisation in this community.")})
    # Lock the community's administrators (primary-key order) before reading the member, so
    # two admins removing each other at once cannot leave the community with none.
    admins = list(
        Membership.objects.select_for_update()
        .filter(community_id=actor.community_id, is_admin=True, status=Membership.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    member = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("profile")
        .get(pk=member.pk)
    )
    # Judge against the stored roles, not the caller's copy of them.
    changes_admin = "is_admin" in roles and bool(roles["is_admin"]) != member.is_admin
    if not permissions.can_change_roles(actor, changes_admin=changes_admin):
        raise PermissionDenied
    if changes_admin and member.is_admin and admins == [member.pk]:
        raise ValidationError(
            {
                "is_admin": _(
                    "%(name)s is the only administrator of this community. Make someone else "
                    "an administrator first; then this can be changed."
                )
                % {"name": member.profile.display_name}
            }
        )
    _roles_apply(member, organisation=organisation, **roles)
    member.full_clean()
    member.save(update_fields=[*ROLE_FIELDS, "organisation"])
    return member


def _roles_apply(member: Membership, *, organisation: Organisation | None, **roles: bool) -> None:
    """Set the roles on ``member`` (unsaved), refusing a set nobody could hold."""
    for field, value in roles.items():
        setattr(member, field, value)
    member.organisation = organisation if member.is_partner else None
    if member.is_partner and member.organisation is None:
        raise ValidationError({"organisation": _("Partner staff must belong to an organisation.")})
    if not any(getattr(member, field) for field in ROLE_FIELDS):
        raise ValidationError(_("Everyone needs at least one role."))


@transaction.atomic(durable=True)
def membership_add(
    *,
    actor: Membership,
    user: User,
    display_name: str,
    organisation: Organisation | None = None,
    **roles: bool,
) -> Membership:
    """A coordinator adds someone who already has a login, with the roles given (only an
    administrator may make them an administrator)."""
    return membership_add_within(
        actor=actor, user=user, display_name=display_name, organisation=organisation, **roles
    )


@requires_transaction
def membership_add_within(
    *,
    actor: Membership,
    user: User,
    display_name: str,
    organisation: Organisation | None = None,
    **roles: bool,
) -> Membership:
    """``membership_add`` in the caller's transaction (the demo builder)."""
    unknown = set(roles) - set(ROLE_FIELDS)
    if unknown:
        raise ValueError(f"Not roles: {sorted(unknown)}")
    if not permissions.can_change_roles(actor, changes_admin=bool(roles.get("is_admin"))):
        raise PermissionDenied
    if organisation is not None and organisation.community_id != actor.community_id:
        raise ValidationError({"organisation": _("Choose an organisation in this community.")})
    if _existing(actor.community, user) is not None:
        raise ValidationError(_("%(name)s is already in this community.") % {"name": display_name})
    member = Membership(
        community=actor.community, user=user, status=Membership.Status.ACTIVE, created_by=actor.user
    )
    _roles_apply(member, organisation=organisation, **roles)
    member.full_clean()
    member.save()
    profile = Profile(membership=member, display_name=display_name)
    profile.full_clean(exclude=["membership"])
    profile.save()
    _on_membership_activated(member)
    return member


@transaction.atomic(durable=True)
def organisation_create(
    *, actor: Membership, name: str, kind: str, description: str = "", website: str = ""
) -> Organisation:
    """A coordinator adds a partner organisation to their community."""
    return organisation_create_within(
        actor=actor, name=name, kind=kind, description=description, website=website
    )


@requires_transaction
def organisation_create_within(
    *, actor: Membership, name: str, kind: str, description: str = "", website: str = ""
) -> Organisation:
    """``organisation_create`` in the caller's transaction (the demo builder)."""
    if not permissions.can_coordinate(actor):
        raise PermissionDenied
    organisation = Organisation(
        community_id=actor.community_id,
        name=name,
        kind=kind,
        description=description,
        website=website,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic(durable=True)
def community_create(
    *,
    name: str,
    slug: str,
    kind: str,
    founder: User | None = None,
    founder_is_admin: bool = True,
    **settings_fields: object,
) -> Community:
    """Operators create communities; the founder, if any, becomes coordinator (and
    administrator, unless ``founder_is_admin`` is false)."""
    return community_create_within(
        name=name,
        slug=slug,
        kind=kind,
        founder=founder,
        founder_is_admin=founder_is_admin,
        **settings_fields,
    )


@requires_transaction
def community_create_within(
    *,
    name: str,
    slug: str,
    kind: str,
    founder: User | None = None,
    founder_is_admin: bool = True,
    **settings_fields: object,
) -> Community:
    """``community_create`` in the caller's transaction (the demo builder)."""
    community = Community(name=name, slug=slug, kind=kind, **settings_fields)
    community.full_clean()
    community.save()
    community_setup_within(community=community)
    if founder is not None:
        _membership_open(
            community=community,
            user=founder,
            display_name=_default_display_name(founder),
            status=Membership.Status.ACTIVE,
            created_by=founder,
            is_coordinator=True,
        )
        if founder_is_admin:
            Membership.objects.filter(community=community, user=founder).update(is_admin=True)
    return community


@requires_transaction
def community_setup_within(*, community: Community) -> None:
    """What every new community starts with, from the apps above: its own ledger accounts, the
    1:1 credit rule and the default kinds of help. Idempotent; runs inside the caller's
    transaction (the service above, the operators' admin saving a new community, the demo)."""
    hooks.community_created.run(community)
