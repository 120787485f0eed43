"""Every URL of the project, asked for by an outsider, never serves another community's data.

The test walks the whole URL configuration, so URLs added by later work are covered without
anyone remembering to add them here. Community "alpha" is the victim: every piece of text that
belongs to it carries the marker below. A coordinator-and-admin of community "beta" (the most
powerful outsider), a member of beta using an API token, and an anonymous visitor each GET and
POST every URL with alpha's slug, alpha's object ids and made-up tokens. No answer may contain
the marker, community pages and API paths for alpha must answer 404 to beta's people, and
nothing of alpha's may change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import serializers
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from coproduce.api.services import api_token_create
from coproduce.communities.demo import demo_extend
from coproduce.communities.models import Community, Invitation, Membership
from coproduce.communities.tests.factories import (
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
    OrganisationFactory,
)
from coproduce.notifications.models import Notification

MARKER = "ZQXSECRET"
PROJECT_APPS = {"people", "communities", "ledger", "api", "exchanges", "notifications"}
# Pages that show a community's name to whoever holds a secret link: the link is the secret,
# so they are walked with made-up tokens only.
TOKEN_PAGES = {"directory:invitation_accept"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    is_regex: bool


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or "?"
            full_name = f"{namespace}:{name}" if namespace else name
            yield Route(
                full_name,
                prefix + str(pattern.pattern),
                "(?P<" in str(pattern.pattern) or "^" in str(pattern.pattern),
            )


PARAMETER = re.compile(
    r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<regex_name>\w+)>(?:[^()]|\([^()]*\))*\)"
)


def _parameters(route: str) -> list[tuple[str, str]]:
    return [
        (match.group("regex_name") or match.group("name"), match.group("converter") or "")
        for match in PARAMETER.finditer(route)
    ]


def _fill(route: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values[match.group("regex_name") or match.group("name")]

    path = PARAMETER.sub(replace, route).replace("^", "").replace("$", "")
    path = path.replace("\\", "")
    return "/" + path


def _candidates(name: str, converter: str, *, victim: Community, ids: list[int]) -> list[str]:
    if name in {"community", "slug"}:
        return [victim.slug]
    if converter == "int" or name == "pk" or name.endswith("id"):
        return [str(pk) for pk in ids]
    return ["not-a-real-token-1234"]


def _urls(victim: Community, ids: list[int]) -> Iterator[tuple[Route, str]]:
    for route in _walk(get_resolver().url_patterns):
        parameters = _parameters(route.route)
        if route.name in TOKEN_PAGES:
            values = [{name: "not-a-real-token-1234" for name, _converter in parameters}]
        else:
            values = [{}]
            for name, converter in parameters:
                options = _candidates(name, converter, victim=victim, ids=ids)
                if route.route.startswith("operators/"):
                    options = options[:2]  # the admin refuses non-operators before any lookup
                values = [{**partial, name: option} for partial in values for option in options]
        for value in values:
            yield route, _fill(route.route, value)


def _community_rows(community: Community) -> dict[str, str]:
    """Everything stored for a community, serialised, to prove nothing of it changed."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        field_names = {field.name for field in model._meta.get_fields()}
        if "community" in field_names:
            rows = model.objects.filter(community=community)
        elif "membership" in field_names:
            rows = model.objects.filter(membership__community=community)
        elif model is Community:
            rows = model.objects.filter(pk=community.pk)
        else:
            continue
        snapshot[model._meta.label] = serializers.serialize("json", rows.order_by("pk"))
    return snapshot


def _victim_ids(community: Community) -> list[int]:
    """A few ids of each kind of alpha's rows (the first two and the last): enough to hit every
    object type behind every URL without asking for every row of a year of demo data."""
    ids: set[int] = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        field_names = {field.name for field in model._meta.get_fields()}
        if "community" in field_names:
            rows = model.objects.filter(community=community)
        elif "membership" in field_names and isinstance(
            model._meta.get_field("membership"), models.ForeignKey | models.OneToOneField
        ):
            rows = model.objects.filter(membership__community=community)
        else:
            continue
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        ids.update(pks[:2] + pks[-1:])
    return sorted(ids)


@pytest.fixture
def victim(db):
    alpha = CommunityFactory(
        name=f"Alpha {MARKER}",
        slug="alpha",
        description=f"About {MARKER}",
        accepts_join_requests=False,
    )
    organisation = OrganisationFactory(community=alpha, name=f"Surgery {MARKER}")
    coordinator = CoordinatorFactory(community=alpha, profile__display_name=f"Coord {MARKER}")
    member = MembershipFactory(community=alpha, profile__display_name=f"Member {MARKER}")
    member.profile.phone = f"0123 {MARKER}"
    member.profile.accessibility_needs = f"Needs {MARKER}"
    member.profile.save()
    no_login = MembershipFactory(
        community=alpha,
        user=None,
        profile__display_name=f"NoLogin {MARKER}",
    )
    partner = MembershipFactory(
        community=alpha,
        is_partner=True,
        organisation=organisation,
        profile__display_name=f"Partner {MARKER}",
    )
    MembershipFactory(
        community=alpha,
        status=Membership.Status.PENDING,
        join_message=f"Please {MARKER}",
        profile__display_name=f"Asking {MARKER}",
    )
    Invitation.objects.create(community=alpha, note=f"For {MARKER}", created_by=coordinator)
    api_token_create(user=member.user, name=f"Token {MARKER}")
    Notification.objects.create(
        community=alpha, membership=member, topic="messages", subject=f"News {MARKER}"
    )
    people = {
        "coordinator": coordinator,
        "member": member,
        "member2": partner,
        "nologin": no_login,
        "member3": MembershipFactory(community=alpha, profile__display_name=f"Third {MARKER}"),
    }
    demo_extend(alpha, people, {organisation.name: organisation})
    return alpha


@pytest.fixture
def outsiders(db):
    """Fresh clients for each request: a walk that POSTs to "sign out" or "turn off the second
    factor" must not leave the next request anonymous and so prove nothing."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    beta = CommunityFactory(name="Beta", slug="beta")
    boss = CoordinatorFactory(community=beta, is_admin=True)
    member = MembershipFactory(community=beta)
    token = api_token_create(user=member.user, name="beta token").raw

    def coordinator() -> Client:
        if not Authenticator.objects.filter(user=boss.user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(boss.user, generate_totp_secret())
        client = Client()
        client.force_login(boss.user)
        return client

    def token_holder() -> Client:
        return Client(headers={"authorization": f"Bearer {token}"})

    return {
        "beta coordinator": coordinator,
        "beta member with token": token_holder,
        "anonymous": Client,
    }


def _is_community_scoped(path: str, victim: Community) -> bool:
    return path.startswith((f"/c/{victim.slug}/", f"/api/v1/communities/{victim.slug}/"))


def _same_as_for_no_community(make_client, method, path, victim, response) -> bool:
    """The API checks a request's shape before it looks anything up, so an empty POST is
    answered 400 (or 415, for a form where JSON belongs) whatever the community: the same
    answer for a community that does not exist tells nothing about alpha."""
    elsewhere = path.replace(f"/{victim.slug}/", "/no-such-community/", 1)
    other = getattr(make_client(), method)(elsewhere)
    return response.status_code in (400, 415) and other.status_code == response.status_code


def test_no_url_serves_another_communitys_data(victim, outsiders):
    before = _community_rows(victim)
    ids = _victim_ids(victim)
    urls = list(_urls(victim, ids))
    assert len(urls) > 100, "the walk should cover the whole URL configuration"
    leaks = []
    for route, path in urls:
        for who, make_client in outsiders.items():
            signed_in = who == "beta coordinator" or (
                who == "beta member with token" and path.startswith("/api/")
            )
            for method in ("get", "post"):
                response = getattr(make_client(), method)(path)
                body = b"".join(response) if response.streaming else response.content
                if MARKER.encode() in body:
                    leaks.append(
                        f"{who} {method.upper()} {path} ({route.name}) showed alpha's data"
                    )
                if (
                    signed_in
                    and _is_community_scoped(path, victim)
                    and response.status_code not in (404, 405)
                    and not _same_as_for_no_community(make_client, method, path, victim, response)
                ):
                    leaks.append(
                        f"{who} {method.upper()} {path} ({route.name}) answered "
                        f"{response.status_code}, not 404"
                    )
                if (
                    who == "anonymous"
                    and response.status_code == 200
                    and _is_community_scoped(path, victim)
                ):
                    leaks.append(f"anonymous {method.upper()} {path} ({route.name}) answered 200")
    assert not leaks, "\n".join(leaks)
    assert _community_rows(victim) == before, "an outsider's request changed alpha's data"


def test_the_walk_reaches_every_community_page(victim):
    """A guard on the test itself: every community URL is asked for with alpha's slug."""
    walked = {route.name for route, path in _urls(victim, _victim_ids(victim))}
    community_routes = {
        route.name
        for route in _walk(get_resolver().url_patterns)
        if "<slug:community>" in route.route
    }
    assert community_routes
    assert community_routes <= walked


def test_insiders_do_see_the_marked_data(victim):
    """Proves the marker check can fail: alpha's own coordinator sees alpha's data."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    coordinator = Membership.objects.get(community=victim, profile__display_name=f"Coord {MARKER}")
    TOTP.activate(coordinator.user, generate_totp_secret())
    client = Client()
    client.force_login(coordinator.user)
    response = client.get(f"/c/{victim.slug}/members/")
    assert response.status_code == 200
    assert MARKER.encode() in response.content
