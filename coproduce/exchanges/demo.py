"""Demo offers, requests and exchanges for the demo communities.

Called inside the demo command's transaction, so it goes through the services' ``_within``
forms; the year of history records back-dated transfers as the community's coordinator, as the
ledger's demo does. Every transfer goes through the ledger's checks and limits, so balances stay
consistent.
"""

from __future__ import annotations

import contextlib
import uuid
import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from coproduce.communities import services as community_services
from coproduce.communities.models import Community, Membership, Organisation
from coproduce.exchanges import services
from coproduce.exchanges.models import Category, Exchange, ExchangeEvent, Listing
from coproduce.ledger import services as ledger
from coproduce.ledger.errors import LedgerError
from coproduce.ledger.models import Account, Transfer

# key → (can give, would like, tags, neighbourhood, approximate location)
ASSETS: dict[str, tuple[list[str], list[str], str, str, tuple[str, str]]] = {
    "member": (
        ["creative", "befriending"],
        ["lifts", "shopping-and-errands"],
        "patchwork, quilting, baking",
        "Kingswood",
        ("51.43", "-0.09"),
    ),
    "member2": (
        ["gardening", "diy"],
        ["it-help"],
        "allotment, fixing bikes",
        "West Norwood",
        ("51.43", "-0.10"),
    ),
    "member3": (
        ["it-help", "learning"],
        ["gardening"],
        "Polish, smartphones",
        "Tulse Hill",
        ("51.44", "-0.11"),
    ),
    "nologin": (
        ["befriending"],
        ["shopping-and-errands"],
        "knitting, stories",
        "Kingswood",
        ("51.43", "-0.08"),
    ),
    "coordinator": (["paperwork"], [], "", "", ("51.43", "-0.09")),
}
LISTINGS: dict[str, list[tuple[str, str, str, str, str]]] = {
    # key → [(kind, category, title, description, place)]
    "member": [
        (
            "offer",
            "creative",
            "Quilt-making session",
            "Bring any scraps of fabric; I bring needles and tea.",
            "venue",
        ),
        (
            "request",
            "lifts",
            "Lift to the hospital",
            "Every other Tuesday morning for my check-up.",
            "your_home",
        ),
    ],
    "member2": [
        (
            "offer",
            "gardening",
            "Help with gardening",
            "Weeding, planting, mowing. I have my own tools.",
            "your_home",
        ),
        (
            "request",
            "it-help",
            "Setting up my new phone",
            "I'd like to video call my grandchildren.",
            "my_home",
        ),
    ],
    "member3": [
        (
            "offer",
            "it-help",
            "Computer and smartphone help",
            "Email, video calls, online shopping.",
            "your_home",
        ),
        ("offer", "learning", "Polish conversation", "Practise Polish over coffee.", "online"),
    ],
    "nologin": [
        ("offer", "befriending", "A friendly chat by phone", "I love a good natter.", "phone"),
    ],
}


class _Demo:
    def __init__(self, community: Community, memberships: dict[str, Membership]) -> None:
        self.community = community
        self.people = memberships
        self.coordinator = memberships.get("coordinator")
        self.zone = zoneinfo.ZoneInfo(community.timezone)
        self.today = timezone.localtime(timezone.now(), self.zone).date()
        self.categories = {c.slug: c for c in Category.objects.filter(community=community)}

    def at(self, days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour), tzinfo=self.zone)


def _profiles(demo: _Demo) -> None:
    for key, (gives, needs, tags, place, (lat, lon)) in ASSETS.items():
        member = demo.people.get(key)
        if member is None:
            continue
        # The member's cached profile is what listing_create reads their tags from.
        member.profile = community_services.profile_update_within(
            actor=member if member.has_login else (demo.coordinator or member),
            member=member,
            gives_categories=[slug for slug in gives if slug in demo.categories],
            needs_categories=[slug for slug in needs if slug in demo.categories],
            gives_tags=tags,
            neighbourhood=place,
            approx_latitude=lat,
            approx_longitude=lon,
            availability=["mon-morning", "wed-afternoon", "sat-morning"],
            good_life="Seeing friends every week and being useful.",
        )


def _listings(demo: _Demo) -> dict[str, Listing]:
    made: dict[str, Listing] = {}
    for key, items in LISTINGS.items():
        owner = demo.people.get(key)
        if owner is None:
            continue
        for kind, category, title, description, place in items:
            group = title.startswith("Quilt")
            made[title] = services.listing_create_within(
                actor=owner if owner.has_login else (demo.coordinator or owner),
                owner=owner,
                kind=kind,
                category=demo.categories[category],
                title=title,
                description=description,
                place=place,
                venue="Kingswood House library" if place == "venue" else "",
                when="Saturday mornings" if group else "Weekdays",
                capacity=8 if group else 1,
            )
    return made


def _account(member: Membership) -> Account:
    return ledger.member_account_open_within(membership=member)


def _history(demo: _Demo) -> None:
    """A year of confirmed exchanges, round the members both ways, back-dated."""
    keys = [
        k for k in ("member", "member2", "member3", "nologin", "coordinator") if k in demo.people
    ]
    coordinator = demo.coordinator
    if len(keys) < 2 or coordinator is None:
        return
    titles = {
        "creative": "Patchwork lesson",
        "gardening": "Gardening",
        "it-help": "Help with a laptop",
        "befriending": "A visit and a cup of tea",
        "paperwork": "Help with a form",
        "learning": "Polish conversation",
        "diy": "Fixing a shelf",
    }
    for round_number in range(24):
        days_ago = 360 - round_number * 15
        giver = demo.people[keys[round_number % len(keys)]]
        receiver = demo.people[keys[(round_number + 1 + round_number // len(keys)) % len(keys)]]
        if giver.pk == receiver.pk:
            continue
        gives = ASSETS.get(keys[round_number % len(keys)], (["befriending"],))[0] or ["other"]
        category = demo.categories[gives[round_number % len(gives)]]
        minutes = 60 + 30 * (round_number % 3)
        when = demo.at(days_ago, 10 + round_number % 6)
        exchange = Exchange.objects.create(
            community=demo.community,
            category=category,
            title=titles.get(category.slug, category.name),
            giver=giver,
            receiver=receiver,
            started_by=receiver,
            status=Exchange.Status.CONFIRMED,
            agreed_for=when,
            minutes=minutes,
            given_at=when,
            recorded_by=giver,
            recorded_at=when + timedelta(hours=3),
            confirmed_at=when + timedelta(days=1),
            created_at=when - timedelta(days=3),
            updated_at=when + timedelta(days=1),
        )
        try:  # a refused transfer undoes only itself (the ledger's savepoint)
            transfer = ledger.transfer_create_within(
                actor=coordinator,
                debit=_account(receiver),
                credit=_account(giver),
                kind=Transfer.Kind.EXCHANGE,
                minutes_given=minutes,
                category=category.slug,
                given_at=when,
                memo=exchange.title,
                for_member=giver,
                cause_type="exchange",
                cause_id=exchange.pk,
                created_at=when + timedelta(days=1),
            )
        except LedgerError:
            exchange.delete()  # the receiver has no credits to spare (issued-credit schemes)
            continue
        Exchange.objects.filter(pk=exchange.pk).update(transfer=transfer)
        ExchangeEvent.objects.bulk_create(
            [
                ExchangeEvent(
                    community=demo.community,
                    exchange=exchange,
                    kind=kind,
                    author=author,
                    operator=author,
                    text=text,
                    created_at=moment,
                )
                for kind, author, text, moment in (
                    (
                        ExchangeEvent.Kind.ASKED,
                        receiver,
                        "Could you help me with this?",
                        when - timedelta(days=3),
                    ),
                    (ExchangeEvent.Kind.AGREED, giver, "", when - timedelta(days=2)),
                    (ExchangeEvent.Kind.RECORDED, giver, "", when + timedelta(hours=3)),
                    (ExchangeEvent.Kind.CONFIRMED, receiver, "", when + timedelta(days=1)),
                    (
                        ExchangeEvent.Kind.THANKED,
                        receiver,
                        "Thank you, that was lovely.",
                        when + timedelta(days=1),
                    ),
                )
            ]
        )


def _current(demo: _Demo, listings: dict[str, Listing]) -> None:
    """One exchange in every state, made through the services."""
    member, member2, member3 = (demo.people.get(k) for k in ("member", "member2", "member3"))
    nologin = demo.people.get("nologin")
    if member is None or member2 is None:
        return
    garden = listings.get("Help with gardening")
    now = timezone.now()
    if garden is not None:
        asked = services.exchange_start_from_listing_within(
            actor=member,
            listing=garden,
            message="Could you help with my front garden?",
        )
        services.exchange_message_within(
            actor=member2,
            exchange=asked,
            text="Happy to. Is Saturday good?",
        )
    if member3 is not None:
        it = listings.get("Computer and smartphone help")
        if it is not None:
            agreed = services.exchange_start_from_listing_within(
                actor=member2,
                listing=it,
                message="My new phone, please!",
            )
            services.exchange_agree_within(
                actor=member3,
                exchange=agreed,
                agreed_for=now + timedelta(days=3),
            )
            recorded = services.exchange_propose_within(
                actor=member3,
                giver=member3,
                receiver=member,
                category=demo.categories["it-help"],
                title="Online shopping lesson",
                message="",
            )
            with contextlib.suppress(LedgerError):
                services.exchange_record_within(
                    actor=member3,
                    exchange=recorded,
                    minutes=90,
                    idempotency_key=uuid.uuid4(),
                    given_at=now - timedelta(days=1),
                )
    done = services.exchange_propose_within(
        actor=member2,
        giver=member2,
        receiver=member,
        category=demo.categories["diy"],
        title="Putting up shelves",
        message="I can bring my drill.",
    )
    try:
        services.exchange_record_within(
            actor=member2,
            exchange=done,
            minutes=120,
            idempotency_key=uuid.uuid4(),
            given_at=now - timedelta(days=2),
        )
        services.exchange_confirm_within(actor=member, exchange=done)
        services.exchange_thank_within(actor=member, exchange=done, text="The shelves look great!")
    except LedgerError:
        pass
    cancelled = services.exchange_propose_within(
        actor=member,
        giver=member,
        receiver=member2,
        category=demo.categories["creative"],
        title="Patchwork lesson",
        message="",
    )
    services.exchange_cancel_within(
        actor=member,
        exchange=cancelled,
        reason="I am unwell this week; let's try next month.",
    )
    if nologin is not None and demo.coordinator is not None:
        services.exchange_assisted_record_within(
            actor=demo.coordinator,
            giver=nologin,
            receiver=member,
            category=demo.categories["befriending"],
            title="Phone chat",
            minutes=45,
            given_at=now - timedelta(days=1),
            idempotency_key=uuid.uuid4(),
        )
    quilt = listings.get("Quilt-making session")
    others = [p for p in (member2, member3, nologin) if p is not None]
    if quilt is not None and demo.coordinator is not None and others:
        with contextlib.suppress(LedgerError):
            services.exchange_group_record_within(
                actor=demo.coordinator,
                givers=[member],
                receivers=others,
                category=demo.categories["creative"],
                title="Quilt-making session",
                minutes=120,
                given_at=now - timedelta(days=6),
                idempotency_key=uuid.uuid4(),
                listing=quilt,
            )


def exchanges_demo_build(
    *,
    community: Community,
    memberships: dict[str, Membership],
    organisations: dict[str, Organisation],
) -> None:
    """Kinds of help, asset-based profiles, listings, a year of exchanges and one in each state."""
    services.categories_seed_within(community=community)
    demo = _Demo(community, memberships)
    _profiles(demo)
    listings = _listings(demo)
    _history(demo)
    _current(demo, listings)
