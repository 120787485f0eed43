"""Community pages. Each view finds the acting membership (404 for outsiders), checks
permissions, and hands writes to services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coproduce.communities import hooks, permissions, selectors, services
from coproduce.communities.acting import LAST_COMMUNITY_SESSION_KEY, acting_membership
from coproduce.communities.forms import (
    InvitationForm,
    JoinRequestForm,
    MemberRegisterForm,
    OrganisationForm,
    ProfileForm,
    RolesForm,
)
from coproduce.communities.models import Membership
from coproduce.edge.refusals import add_refusal, refusal_message
from coproduce.people.models import Profile, User

MEMBERS_PER_PAGE = 25


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _signed_in_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required guarantees it
    return request.user


def home(request: HttpRequest) -> HttpResponse:
    """The front door: straight to your community if you have one, else what Coproduce is."""
    if request.user.is_authenticated:
        memberships = [
            m for m in selectors.memberships_of_user(user_id=request.user.pk) if m.is_active
        ]
        last = request.session.get(LAST_COMMUNITY_SESSION_KEY)
        chosen = next((m for m in memberships if m.community.slug == last), None)
        if chosen is None and memberships:
            chosen = memberships[0]
        if chosen is not None:
            return redirect(chosen.community.get_absolute_url())
        return redirect("directory:list")
    return render(request, "home.html")


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    communities = selectors.communities_open_to_requests()
    mine = {m.community_id: m for m in selectors.memberships_of_user(user_id=request.user.pk)}
    rows = [(community, mine.get(community.pk)) for community in communities]
    return render(request, "communities/directory.html", {"rows": rows})


@login_required
def join_request(request: HttpRequest, community: str) -> HttpResponse:
    target = selectors.community_to_join_get(slug=community, user_id=request.user.pk)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.community_join_request(
                community=target,
                user=_signed_in_user(request),
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if membership.is_active:
                return redirect(target.get_absolute_url())
            messages.success(
                request,
                _("Thank you. A coordinator of %(community)s will look at your request soon.")
                % {"community": target.name},
            )
            return redirect("directory:list")
    return render(request, "communities/join_request.html", {"community": target, "form": form})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token=token)
    if not request.user.is_authenticated:
        return render(request, "communities/invitation.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            result = services.invitation_accept(token=token, user=_signed_in_user(request))
        except ValidationError as error:
            messages.error(request, refusal_message(error))
            return redirect("home")
        messages.success(
            request, _("Welcome to %(community)s.") % {"community": invitation.community.name}
        )
        return redirect(result.membership.community.get_absolute_url())
    return render(request, "communities/invitation.html", {"invitation": invitation})


@login_required
def community_home(request: HttpRequest, community: str) -> HttpResponse:
    """The member's home: balance, hours to confirm, exchanges, listings for them, ideas (the
    apps above add theirs through the ``member_home`` hook)."""
    actor = acting_membership(request, community)
    context = {
        "actor": actor,
        "community": actor.community,
        "can_manage": permissions.can_coordinate(actor),
        "pending_requests": (
            selectors.join_requests(actor=actor).count() if permissions.can_coordinate(actor) else 0
        ),
        "has_assets": bool(actor.profile.gives_categories or actor.profile.gives_tags),
    }
    for part in hooks.member_home.run(actor):
        context.update(part)
    return render(request, "communities/home.html", context)


def _profile_edit(request: HttpRequest, actor: Membership, member: Membership) -> HttpResponse:
    _require(permissions.can_edit_profile(actor, member))
    form = ProfileForm(request.POST or None, instance=member.profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=actor, member=member, **form.changes())
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Profile saved."))
            if actor.pk == member.pk:
                return redirect("communities:my_profile", community=actor.community.slug)
            return redirect(member.get_absolute_url())
    return render(
        request,
        "communities/profile_form.html",
        {"actor": actor, "community": actor.community, "member": member, "form": form},
    )


@login_required
def my_profile_edit(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    return _profile_edit(request, actor, actor)


@login_required
def member_profile_edit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    member = selectors.member_get(actor=actor, pk=pk)
    return _profile_edit(request, actor, member)


@login_required
def member_list(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_see_member_list(actor))
    # PostgreSQL can't hold a NUL character; nobody means to search for one.
    search = request.GET.get("q", "").replace("\x00", "").strip()[:80]
    page = Paginator(selectors.member_list(actor=actor, search=search), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "communities/member_list.html",
        {
            "actor": actor,
            "community": actor.community,
            "page": page,
            "search": search,
            "can_manage": permissions.can_coordinate(actor),
        },
    )


def _profile_labels(actor: Membership, profile: Profile) -> dict[str, list[str]]:
    """The profile's category slugs and free times, as words for the page."""
    from coproduce.people.models import AVAILABILITY_CHOICES

    names = {kind.slug: kind.label for kind in hooks.community_kinds_of_help(actor.community_id)}
    slots = dict(AVAILABILITY_CHOICES)
    return {
        "gives": [names.get(slug, slug) for slug in profile.gives_categories or []],
        "needs": [names.get(slug, slug) for slug in profile.needs_categories or []],
        "availability": [slots[slot] for slot in profile.availability or [] if slot in slots],
    }


@login_required
def member_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    member = selectors.member_get(actor=actor, pk=pk)
    profile = selectors.profile_as_seen(viewer=actor, membership=member)
    return render(
        request,
        "communities/member_detail.html",
        {
            "actor": actor,
            "community": actor.community,
            "member": member,
            "profile": profile,
            "can_edit": permissions.can_edit_profile(actor, member),
            "can_see_contact": permissions.can_see_contact_details(actor, member),
            "can_change_roles": permissions.can_change_roles(actor),
            "visible": selectors.profile_visible_parts(viewer=actor, membership=member),
            "labels": _profile_labels(actor, profile),
        },
    )


@login_required
def member_register(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_coordinate(actor))
    form = MemberRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_register(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now a member. You can act for them from their page.")
                % {"name": member.profile.display_name},
            )
            return redirect(member.get_absolute_url())
    return render(
        request,
        "communities/member_register.html",
        {"actor": actor, "community": actor.community, "form": form},
    )


@login_required
def member_roles_edit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_change_roles(actor))
    member = selectors.member_get(actor=actor, pk=pk)
    form = RolesForm(
        request.POST or None,
        instance=member,
        community_id=actor.community_id,
        can_change_admin=permissions.can_change_admin_role(actor),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisation = data.pop("organisation")
        # The form validated a copy bound to `member`; reload so the service sees the stored roles.
        stored = selectors.member_get(actor=actor, pk=pk)
        try:
            services.membership_roles_set(
                actor=actor, member=stored, organisation=organisation, **data
            )
        except PermissionDenied:
            form.add_error(
                "is_admin",
                _(
                    "Only an administrator can change who is an administrator. Ask one of "
                    "this community's administrators."
                ),
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Roles saved."))
            return redirect(member.get_absolute_url())
    return render(
        request,
        "communities/member_roles.html",
        {"actor": actor, "community": actor.community, "member": member, "form": form},
    )


@login_required
def join_request_list(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_coordinate(actor))
    return render(
        request,
        "communities/join_requests.html",
        {
            "actor": actor,
            "community": actor.community,
            "requests": selectors.join_requests(actor=actor),
        },
    )


@login_required
@require_POST
def join_request_decide(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_coordinate(actor))
    pending = selectors.join_request_get(actor=actor, pk=pk)
    approve = request.POST.get("decision") == "approve"
    services.join_request_decide(actor=actor, request=pending, approve=approve)
    name = pending.profile.display_name
    if approve:
        messages.success(request, _("%(name)s has joined.") % {"name": name})
    else:
        messages.success(request, _("You said no to %(name)s.") % {"name": name})
    return redirect("communities:join_requests", community=actor.community.slug)


@login_required
def invitation_list(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_coordinate(actor))
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Invitation link made. Copy it from the list below."))
            return redirect(
                reverse("communities:invitations", kwargs={"community": actor.community.slug})
                + f"#invitation-{invitation.pk}"
            )
    return render(
        request,
        "communities/invitations.html",
        {
            "actor": actor,
            "community": actor.community,
            "form": form,
            "invitations": selectors.invitation_list(actor=actor),
        },
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    _require(permissions.can_coordinate(actor))
    services.invitation_revoke(actor=actor, invitation=selectors.invitation_get(actor=actor, pk=pk))
    messages.success(request, _("That invitation link no longer works."))
    return redirect("communities:invitations", community=actor.community.slug)


@login_required
def organisation_list(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    can_manage = permissions.can_coordinate(actor)
    form = OrganisationForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        _require(can_manage)
        assert form is not None  # noqa: S101
        if form.is_valid():
            try:
                services.organisation_create(actor=actor, **form.cleaned_data)
            except ValidationError as error:
                add_refusal(form, error)
            else:
                messages.success(request, _("Partner organisation added."))
                return redirect("communities:organisations", community=actor.community.slug)
    return render(
        request,
        "communities/organisations.html",
        {
            "actor": actor,
            "community": actor.community,
            "form": form,
            "organisations": selectors.organisation_list(actor=actor),
        },
    )
