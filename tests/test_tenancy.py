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
from django.db.models import QuerySet
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from coproduce.api.api import api
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
# Every installed project app: a new one is walked the moment it is installed.
PROJECT_APPS = {
    config.label for config in apps.get_app_configs() if config.name.startswith("coproduce.")
}
# Rows no community owns, with the reason; every other model of a project app must lead to a
# community (tests/test_app_contract.py checks that each one has rows in the walked community).
NOT_COMMUNITY_ROWS = {
    "people.User": "a person may belong to several communities; only they see their account",
    "api.ApiToken": "a person's own; only its owner sees it (api/tests/test_permissions.py)",
}
# Pages that show a community's name to whoever holds a secret link: the link is the secret,
# so they are walked with made-up tokens only.
TOKEN_PAGES = {"directory:invitation_accept"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    is_regex: bool
    module: str = ""  # where the view is written ("coproduce.exchanges.views")


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
                getattr(pattern.callback, "__module__", ""),
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


def api_route(path: str) -> str:
    """An API path of the schema as the URL configuration writes it: "{id}" becomes "<id>"."""
    return re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))


def _api_methods() -> dict[str, tuple[str, ...]]:
    """The methods each API path answers, from the API's own schema."""
    return {
        api_route(path): tuple(operations)
        for path, operations in api.get_openapi_schema()["paths"].items()
    }


def _methods(route: Route, api_methods: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Pages take GET and POST; an API path every method it answers (PATCH and DELETE too)."""
    return api_methods.get(route.route, ("get", "post"))


def _urls(victim: Community, ids: list[int]) -> Iterator[tuple[Route, str]]:
    seen: set[str] = set()
    for route in _walk(get_resolver().url_patterns):
        if route.route in seen:
            continue  # the API's operations on one path share one route
        seen.add(route.route)
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


def _community_lookup(model: type[models.Model], _seen: frozenset = frozenset()) -> str | None:
    """How a row reaches the community that owns it ("community", "membership__community"),
    through required foreign keys; None when no community owns it (NOT_COMMUNITY_ROWS)."""
    if model is Community:
        return "pk"
    keys = [
        field
        for field in model._meta.get_fields()
        if (field.many_to_one or field.one_to_one)
        and field.concrete
        and not field.null
        and field.related_model is not None
    ]
    keys.sort(key=lambda field: (field.related_model is not Community, field.name != "community"))
    for field in keys:
        if field.related_model is Community:
            return field.name
        if field.related_model in _seen:
            continue
        further = _community_lookup(field.related_model, _seen | {model})
        if further is not None:
            return f"{field.name}__{further}"
    return None


def community_owned_rows(community: Community) -> dict[str, QuerySet]:
    """Every project model whose rows a community owns, with the rows this one owns."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        lookup = _community_lookup(model)
        if lookup is not None:
            rows[model._meta.label] = model.objects.filter(**{lookup: community.pk})
    return rows


def _community_rows(community: Community) -> dict[str, str]:
    """Everything stored for a community, serialised, to prove nothing of it changed."""
    return {
        label: serializers.serialize("json", rows.order_by("pk"))
        for label, rows in community_owned_rows(community).items()
    }


def _victim_ids(community: Community) -> list[int]:
    """A few ids of each kind of alpha's rows (the first two and the last): enough to hit every
    object type behind every URL without asking for every row of a year of demo data."""
    ids: set[int] = set()
    for rows in community_owned_rows(community).values():
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        ids.update(pks[:2] + pks[-1:])
    return sorted(ids)


def walked_requests(victim: Community, ids: list[int]) -> set[tuple[str, str]]:
    """What the walk asks for and reaches: (route, method) for each route whose filled-in path
    resolves to that route (a value its converter refuses would reach no view at all)."""
    api_methods = _api_methods()
    reached: set[tuple[str, str]] = set()
    for route, path in _urls(victim, ids):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.route == route.route:
            reached.update((route.route, method) for method in _methods(route, api_methods))
    return reached


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
    _rows_the_demo_does_not_make(alpha, coordinator, member)
    return alpha


def _rows_the_demo_does_not_make(alpha: Community, coordinator, member) -> None:
    """So that the walk asks for their ids too (tests/test_app_contract.py checks every model of
    every app has rows here): a link with another community, a changed limit, a concern about
    an exchange, a member's own email choices. Made through the services, as people make them."""
    from coproduce.exchanges.models import Exchange
    from coproduce.exchanges.services import exchange_concern_raise
    from coproduce.ledger import services as ledger
    from coproduce.ledger.models import Account
    from coproduce.notifications.services import preference_update

    CommunityFactory(name="Gamma", slug="gamma")
    ledger.community_link_create(
        actor=coordinator, partner_slug="gamma", limit_to_partner=600, limit_from_partner=600
    )
    ledger.account_limits_set(
        actor=coordinator,
        account=Account.objects.get(membership=member),
        floor=-120,
        ceiling=None,
        reason=f"Agreed {MARKER}",
    )
    exchange = Exchange.objects.filter(community=alpha, giver=member).first()
    assert exchange is not None, "the demo gives the member an exchange"
    exchange_concern_raise(actor=member, exchange=exchange, text=f"Worried {MARKER}")
    preference_update(actor=member, member=member, topics_on=["messages"])


@pytest.fixture
def outsiders(db):
    """Fresh clients for each request: a walk that POSTs to "sign out" or "turn off the second
    factor" must not leave the next request anonymous and so prove nothing."""
    from allauth.mfa.models import Authenticator

    from coproduce.people.tests.sign_in import same_sign_in_elsewhere, sign_in_with_second_factor

    beta = CommunityFactory(name="Beta", slug="beta")
    boss = CoordinatorFactory(community=beta, is_admin=True)
    member = MembershipFactory(community=beta)
    token = api_token_create(user=member.user, name="beta token").raw

    boss_signed_in: list[Client] = []

    def coordinator() -> Client:
        """A copy of one real sign-in (with the second step); again if the walk turned it off."""
        if not (
            boss_signed_in
            and Authenticator.objects.filter(user=boss.user, type=Authenticator.Type.TOTP).exists()
        ):
            boss_signed_in[:] = [sign_in_with_second_factor(boss.user)]
        return same_sign_in_elsewhere(boss_signed_in[0])

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
    api_methods = _api_methods()
    leaks = []
    for route, path in urls:
        for who, make_client in outsiders.items():
            signed_in = who == "beta coordinator" or (
                who == "beta member with token" and path.startswith("/api/")
            )
            for method in _methods(route, api_methods):
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
    from coproduce.people.tests.sign_in import sign_in_with_second_factor

    coordinator = Membership.objects.get(community=victim, profile__display_name=f"Coord {MARKER}")
    client = sign_in_with_second_factor(coordinator.user)
    response = client.get(f"/c/{victim.slug}/members/")
    assert response.status_code == 200
    assert MARKER.encode() in response.content
