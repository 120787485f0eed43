"""Every role against every action on offers, requests and exchanges, as a caller sees it: an
allowed action happens; a refused one is answered (sign in, not found, forbidden, or the page
again with the reason) and changes nothing. Then every function of ``exchanges/permissions.py``
against every role.

Partners, referrers and observers are treated as members here: this app asks only whether
someone is active in the community and whether they coordinate (or administer) it.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.roles import (
    ANONYMOUS,
    COORDINATOR_ELSEWHERE,
    MEMBER_ROLES,
    OPERATOR,
    OUTSIDER_ROLES,
    ROLES,
    STAFF_ROLES,
    person,
)
from coproduce.exchanges import permissions
from coproduce.exchanges.models import Concern, Exchange, ExchangeEvent, Listing
from coproduce.exchanges.services import LISTING_DAYS
from coproduce.exchanges.tests.factories import (
    category,
    make_community,
    make_exchange,
    make_listing,
    make_member,
    record,
)

pytestmark = pytest.mark.django_db

GIVER, RECEIVER = "giver", "receiver"
PARTIES = frozenset({GIVER, RECEIVER})
IN_COMMUNITY = MEMBER_ROLES | STAFF_ROLES | PARTIES
TABLE_ROLES = (*ROLES, GIVER, RECEIVER)
DONE = "done"
SIGN_IN = "sign in"


@dataclass
class Scene:
    """A community where Gil (the giver) offers help to Rae (the receiver), and Vera has no
    login. The steps of one exchange run in the order people take them (a message, a date, the
    hours, thanks, a concern, then cancelling); confirming has exchanges of its own."""

    town: Community
    giver: Membership
    receiver: Membership
    no_login: Membership
    actor: Membership | None = None
    listings: dict[str, Listing] = field(default_factory=dict)
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    concern: Concern | None = None


def build(role: str) -> tuple[Scene, Client]:
    town = make_community(slug="town")
    giver = make_member(town, profile__display_name="Gil")
    receiver = make_member(town, profile__display_name="Rae")
    no_login = make_member(town, user=None, profile__display_name="Vera")
    scene = Scene(town, giver, receiver, no_login)
    scene.listings["open"] = make_listing(giver, title="Gil's offer")
    scene.listings["mine"] = make_listing(
        giver, title="Gil's offer ending soon", expires_at=timezone.now() + timedelta(days=2)
    )
    scene.exchanges["steps"] = make_exchange(giver, receiver, title="Weeding")
    scene.exchanges["confirm"] = record(make_exchange(giver, receiver, title="Digging"), giver)
    scene.exchanges["confirm for Vera"] = record(
        make_exchange(giver, no_login, title="Mowing"), giver
    )
    scene.concern = Concern.objects.create(
        community=town,
        exchange=scene.exchanges["confirm"],
        raised_by=receiver,
        operator=receiver,
        text="Gil was late",
    )
    if role in PARTIES:
        scene.actor = giver if role == GIVER else receiver
        client = Client()
        client.force_login(scene.actor.user)
        return scene, client
    someone = person(role, town)
    scene.actor = someone.membership
    return scene, someone.client()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    data: Mapping[str, Any] = field(default_factory=dict)
    is_api: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    request: Callable[[Scene], Request]
    allowed: frozenset[str]
    # What the action changes (compared before and after), and whether it changed as asked.
    # None: a page to read, allowed when it answers 200.
    observe: Callable[[Scene], object] | None = None
    done: Callable[[Any], bool] = bool
    refused: int = 404  # the answer to someone in the community it is not for
    refused_as: Mapping[str, int] = field(default_factory=dict)


def _page(scene: Scene, rest: str) -> str:
    return f"/c/{scene.town.slug}/exchange/{rest}"


def _exchange_post(
    name: str, step: str, acting_for: str, **data: Any
) -> Callable[[Scene], Request]:
    def request(scene: Scene) -> Request:
        exchange = scene.exchanges[name]
        party = {GIVER: scene.giver, RECEIVER: scene.receiver, "Vera": scene.no_login}[acting_for]
        # A party acts for themselves; a coordinator says which side they act for.
        return Request(
            "post", _page(scene, f"exchanges/{exchange.pk}/{step}/"), {**data, "member": party.pk}
        )

    return request


def _status(name: str) -> Callable[[Scene], object]:
    return lambda scene: Exchange.objects.get(pk=scene.exchanges[name].pk).status


def _events(name: str, kind: str) -> Callable[[Scene], object]:
    return lambda scene: ExchangeEvent.objects.filter(
        exchange=scene.exchanges[name], kind=kind
    ).count()


def _listing(name: str, attribute: str) -> Callable[[Scene], object]:
    return lambda scene: getattr(Listing.objects.get(pk=scene.listings[name].pk), attribute)


def _listing_form(scene: Scene, title: str) -> dict[str, Any]:
    return {
        "kind": Listing.Kind.OFFER,
        "category": category(scene.town).pk,
        "title": title,
        "place": Listing.Place.YOUR_HOME,
        "capacity": 1,
        "open_until": (timezone.localdate() + timedelta(days=30)).isoformat(),
    }


def _exchanges_titled(title: str) -> Callable[[Scene], object]:
    return lambda scene: Exchange.objects.filter(community=scene.town, title=title).count()


PARTIES_AND_STAFF = PARTIES | STAFF_ROLES

ACTIONS = (
    Action("search offers and requests", lambda s: Request("get", _page(s, "")), IN_COMMUNITY),
    Action(
        "offer help",
        lambda s: Request("post", _page(s, "listings/new/"), _listing_form(s, "New offer")),
        IN_COMMUNITY,
        observe=lambda s: Listing.objects.filter(title="New offer", owner=s.actor).count(),
    ),
    Action(
        "offer help for a member without a login (API)",
        lambda s: Request(
            "post",
            f"/api/v1/communities/{s.town.slug}/listings",
            {
                "kind": "offer",
                "category": "gardening",
                "title": "Vera's offer",
                "owner_id": s.no_login.pk,
            },
            is_api=True,
        ),
        STAFF_ROLES,
        observe=lambda s: Listing.objects.filter(owner=s.no_login).count(),
        refused=403,
    ),
    Action(
        "read an offer",
        lambda s: Request("get", _page(s, f"listings/{s.listings['open'].pk}/")),
        IN_COMMUNITY,
    ),
    Action(
        "ask for the help offered",
        lambda s: Request(
            "post", _page(s, f"listings/{s.listings['open'].pk}/"), {"text": "Can you?"}
        ),
        IN_COMMUNITY - {GIVER},
        observe=lambda s: Exchange.objects.filter(listing=s.listings["open"]).count(),
        refused_as={GIVER: 400},  # their own offer: the page says so
    ),
    Action(
        "change an offer",
        lambda s: Request(
            "post",
            _page(s, f"listings/{s.listings['mine'].pk}/edit/"),
            _listing_form(s, "Changed offer"),
        ),
        PARTIES_AND_STAFF - {RECEIVER},
        observe=_listing("mine", "title"),
        done=lambda title: title == "Changed offer",
    ),
    Action(
        "keep an offer open longer",
        lambda s: Request("post", _page(s, f"listings/{s.listings['mine'].pk}/renew/")),
        PARTIES_AND_STAFF - {RECEIVER},
        observe=_listing("mine", "expires_at"),
        done=lambda expires_at: expires_at > timezone.now() + timedelta(days=LISTING_DAYS - 1),
    ),
    Action(
        "close an offer",
        lambda s: Request("post", _page(s, f"listings/{s.listings['mine'].pk}/close/")),
        PARTIES_AND_STAFF - {RECEIVER},
        observe=_listing("mine", "status"),
        done=lambda status: status == Listing.Status.CLOSED,
    ),
    Action(
        "propose an exchange to someone",
        lambda s: Request(
            "post",
            _page(s, "propose/"),
            {
                "direction": "give",
                "other": s.no_login.pk,
                "category": category(s.town).pk,
                "title": "Proposed",
            },
        ),
        IN_COMMUNITY,
        observe=_exchanges_titled("Proposed"),
    ),
    Action(
        "read an exchange",
        lambda s: Request("get", _page(s, f"exchanges/{s.exchanges['steps'].pk}/")),
        PARTIES_AND_STAFF,
    ),
    Action(
        "send a message",
        _exchange_post("steps", "message", GIVER, **{"message-text": "See you at ten"}),
        PARTIES_AND_STAFF,
        observe=_events("steps", ExchangeEvent.Kind.MESSAGE),
    ),
    Action(
        "agree a date",
        lambda s: _exchange_post(
            "steps",
            "agree",
            GIVER,
            **{
                "agree-agreed_for": (timezone.localtime() + timedelta(days=2)).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
        )(s),
        PARTIES_AND_STAFF,
        observe=_status("steps"),
        done=lambda status: status == Exchange.Status.AGREED,
    ),
    Action(
        "record the hours",
        lambda s: _exchange_post(
            "steps",
            "record",
            GIVER,
            **{"record-idempotency_key": str(uuid.uuid4()), "record-minutes": "1 hour"},
        )(s),
        PARTIES_AND_STAFF,
        observe=_status("steps"),
        done=lambda status: status == Exchange.Status.RECORDED,
    ),
    Action(
        "say thank you",
        _exchange_post("steps", "thank", RECEIVER, **{"thank-text": "Thank you, Gil"}),
        PARTIES_AND_STAFF,
        observe=_events("steps", ExchangeEvent.Kind.THANKED),
    ),
    Action(
        "raise a concern",
        _exchange_post("steps", "concern", RECEIVER, **{"concern-text": "Gil was rude"}),
        PARTIES_AND_STAFF,
        observe=lambda s: Concern.objects.filter(exchange=s.exchanges["steps"]).count(),
    ),
    Action(
        "cancel an exchange",
        _exchange_post("steps", "cancel", GIVER, **{"cancel-reason": "I am unwell"}),
        PARTIES_AND_STAFF,
        observe=_status("steps"),
        done=lambda status: status == Exchange.Status.CANCELLED,
    ),
    Action(
        "confirm the hours",
        _exchange_post("confirm", "confirm", RECEIVER),
        PARTIES_AND_STAFF - {GIVER},
        observe=_status("confirm"),
        done=lambda status: status == Exchange.Status.CONFIRMED,
        refused_as={GIVER: 400},  # Gil recorded them: the page says Rae confirms
    ),
    Action(
        "confirm the hours for a member without a login",
        _exchange_post("confirm for Vera", "confirm", "Vera"),
        STAFF_ROLES,
        observe=_status("confirm for Vera"),
        done=lambda status: status == Exchange.Status.CONFIRMED,
        refused_as={GIVER: 400},
    ),
    Action(
        "see every exchange and open concern",
        lambda s: Request("get", _page(s, "coordinator/")),
        STAFF_ROLES,
        refused=403,
    ),
    Action(
        "deal with a concern",
        lambda s: Request(
            "post",
            _page(s, f"concerns/{s.concern.pk}/dealt-with/"),
            {f"concern-{s.concern.pk}-text": "We talked to Gil"},
        ),
        STAFF_ROLES,
        observe=lambda s: Concern.objects.get(pk=s.concern.pk).resolved_at is not None,
        refused=403,
    ),
    Action(
        "record help for a member without a login",
        lambda s: Request(
            "post",
            _page(s, "coordinator/record/"),
            {
                "idempotency_key": str(uuid.uuid4()),
                "giver": s.no_login.pk,
                "receiver": s.receiver.pk,
                "category": category(s.town, "befriending").pk,
                "title": "Phone chat",
                "minutes": "1 hour",
                "given_on": timezone.localdate().isoformat(),
            },
        ),
        STAFF_ROLES,
        observe=_exchanges_titled("Phone chat"),
        refused=403,
    ),
    Action(
        "record a group session",
        lambda s: Request(
            "post",
            _page(s, "coordinator/group/"),
            {
                "idempotency_key": str(uuid.uuid4()),
                "direction": "one_to_many",
                "one": s.giver.pk,
                "many": [s.receiver.pk, s.no_login.pk],
                "category": category(s.town).pk,
                "title": "Garden club",
                "minutes": "1 hour",
                "given_on": timezone.localdate().isoformat(),
            },
        ),
        STAFF_ROLES,
        observe=_exchanges_titled("Garden club"),
        refused=403,
    ),
)


def expected(action: Action, role: str) -> int | str:
    if role in action.allowed:
        return DONE
    if role == ANONYMOUS:
        return SIGN_IN
    if role in OUTSIDER_ROLES:
        return 404
    return action.refused_as.get(role, action.refused)


def _send(client: Client, request: Request) -> Any:
    if request.is_api:
        return getattr(client, request.method)(
            request.path, request.data, content_type="application/json"
        )
    return getattr(client, request.method)(request.path, request.data)


def _answer(action: Action, request: Request, response: Any) -> int | str:
    status = response.status_code
    if status == 401 and request.is_api:
        return SIGN_IN
    if status == 302 and response["Location"].startswith("/accounts/login/"):
        return SIGN_IN
    if status in (200, 201, 302) and (action.observe is not None or request.method == "get"):
        return DONE
    return status


@pytest.mark.parametrize("role", TABLE_ROLES)
def test_every_role_against_every_action(role: str) -> None:
    scene, client = build(role)
    wrong = []
    for action in ACTIONS:
        want = expected(action, role)
        before = action.observe(scene) if action.observe else None
        request = action.request(scene)
        response = _send(client, request)
        got = _answer(action, request, response)
        after = action.observe(scene) if action.observe else None
        if got != want:
            wrong.append(f"{role} / {action.name}: expected {want}, answered {got}")
        elif want == DONE and action.observe is not None and not action.done(after):
            wrong.append(f"{role} / {action.name}: answered {got} but it did not happen")
        elif want != DONE and after != before:
            wrong.append(f"{role} / {action.name}: refused ({got}) but changed {before} → {after}")
    assert not wrong, "\n".join(wrong)


# --- The permission functions themselves ---------------------------------------------------------

# Who each function lets through, as the actor. Targets: Gil's listing, Gil and Rae's exchange,
# acting for Gil. The functions without a target answer for the actor's own community (a
# coordinator elsewhere coordinates there): pages pass only the membership in the URL's
# community, which is why that row is refused in the table above.
COORDINATING = STAFF_ROLES | {COORDINATOR_ELSEWHERE}
FUNCTION_TABLE: dict[str, frozenset[str]] = {
    "can_act_for": frozenset({GIVER}) | STAFF_ROLES,
    "can_assist": COORDINATING,
    "can_see_exchange": PARTIES_AND_STAFF,
    "can_edit_listing": frozenset({GIVER}) | STAFF_ROLES,
    "can_record_group": COORDINATING,
    "can_see_concerns": COORDINATING,
}


def _call(name: str, actor: Membership, scene: Scene) -> bool:
    function = getattr(permissions, name)
    targets = {
        "can_act_for": (scene.giver,),
        "can_see_exchange": (scene.exchanges["steps"],),
        "can_edit_listing": (scene.listings["open"],),
    }.get(name, ())
    return bool(function(actor, *targets))


def test_every_permission_function_has_a_row_in_the_table() -> None:
    functions = {
        name
        for name, function in inspect.getmembers(permissions, inspect.isfunction)
        if function.__module__ == permissions.__name__ and not name.startswith("_")
    }
    assert functions == set(FUNCTION_TABLE), "add the new function to FUNCTION_TABLE"


def test_every_role_against_every_permission_function() -> None:
    scene, _client = build(GIVER)
    wrong = []
    for role in TABLE_ROLES:
        if role in (ANONYMOUS, OPERATOR):
            continue  # no membership: community pages are not found for them (above)
        found = person(role, scene.town, user=None).membership if role not in PARTIES else None
        actor = found or (scene.giver if role == GIVER else scene.receiver)
        for name, allowed in FUNCTION_TABLE.items():
            if _call(name, actor, scene) != (role in allowed):
                wrong.append(f"{name}({role}) should be {role in allowed}")
    assert not wrong, "\n".join(wrong)
