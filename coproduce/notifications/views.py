"""Email choices (for a member, or a coordinator acting for them) and the one-click unsubscribe
page that every email links to."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from coproduce.communities import selectors as community_selectors
from coproduce.communities.acting import acting_membership
from coproduce.communities.models import Membership
from coproduce.notifications import permissions, selectors, services
from coproduce.notifications.forms import PreferenceForm


def _preferences_page(request: HttpRequest, actor: Membership, member: Membership) -> HttpResponse:
    if not permissions.can_change_preferences(actor, member):
        raise PermissionDenied
    preference = selectors.preference_get(membership=member)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.preference_update(actor=actor, member=member, topics_on=form.topics_on())
        if actor.pk == member.pk:
            messages.success(request, _("Your email choices are saved."))
            return redirect("notifications:preferences", community=actor.community.slug)
        messages.success(
            request,
            _("The email choices of %(name)s are saved.") % {"name": member.profile.display_name},
        )
        return redirect(
            "notifications:member_preferences", community=actor.community.slug, pk=member.pk
        )
    user = member.user
    return render(
        request,
        "notifications/preferences.html",
        {
            "actor": actor,
            "community": actor.community,
            "member": member,
            "is_self": actor.pk == member.pk,
            "email": user.email if user is not None and user.is_active else "",
            "form": form,
            "notifications": selectors.notification_list(actor=actor, member=member),
        },
    )


@login_required
def preferences(request: HttpRequest, community: str) -> HttpResponse:
    actor = acting_membership(request, community)
    return _preferences_page(request, actor, actor)


@login_required
def member_preferences(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    actor = acting_membership(request, community)
    member = community_selectors.member_get(actor=actor, pk=pk)
    return _preferences_page(request, actor, member)


@csrf_exempt  # Mail programs POST here without a form (RFC 8058); the signed token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "are you sure?"; POST (the page's button, or a mail program's one-click POST)
    turns the topic off. A second button turns it back on."""
    try:
        membership, topic = selectors.unsubscribe_target(token=token)
    except Http404:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    # Someone following a link from an email reads the language the email was in, unless they
    # have picked a language on this site.
    language = (
        translation.get_language()
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        else services.member_language(membership)
    )
    context: dict[str, object] = {
        "community": membership.community,
        "topic": topic,
        "token": token,
    }
    with translation.override(language):
        if request.method == "POST":
            wants = request.POST.get("action") == "resubscribe"
            services.preference_topic_set(membership=membership, topic=topic, wants=wants)
            return render(request, "notifications/unsubscribed.html", {**context, "wants": wants})
        preference = selectors.preference_get(membership=membership)
        return render(
            request,
            "notifications/unsubscribe.html",
            {**context, "is_on": preference.wants(topic)},
        )
