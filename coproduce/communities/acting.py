"""Who a request acts as: the signed-in person's membership in the community of the address.

Every community page and every API handler, in every app, starts with ``acting_membership``:
it answers 404 to anyone who is not an active member (never 403, so nothing leaks about
another community), keeps the membership on the request for whatever renders the answer, and
remembers the community in the browser's session, to open it next time. It lives here, in the
lowest app that knows memberships, so that communities' own pages use it too.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from coproduce.communities import permissions, selectors
from coproduce.communities.models import Membership

LAST_COMMUNITY_SESSION_KEY = "coproduce_community"
_ON_REQUEST = "coproduce_acting_membership"


def acting_membership(request: HttpRequest, community: str) -> Membership:
    """The signed-in person's active membership in ``community`` (a slug), or 404."""
    actor = selectors.membership_for_user(user_id=request.user.pk, community_slug=community)
    setattr(request, _ON_REQUEST, actor)
    session = getattr(request, "session", None)
    # A browser's session remembers the community; a call with an API token has no session
    # to keep (and gets none made for it).
    if session is not None and session.session_key is not None:
        session[LAST_COMMUNITY_SESSION_KEY] = actor.community.slug
    return actor


def coordinating_membership(request: HttpRequest, community: str) -> Membership:
    """As ``acting_membership``, for pages only coordinators and administrators may open:
    anyone else in the community is refused (403)."""
    actor = acting_membership(request, community)
    if not permissions.can_coordinate(actor):
        raise PermissionDenied
    return actor


def acting_membership_of(request: HttpRequest) -> Membership | None:
    """The membership ``acting_membership`` found for this request, if it was asked."""
    return getattr(request, _ON_REQUEST, None)
