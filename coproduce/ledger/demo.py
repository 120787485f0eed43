"""A realistic year of time credits for the demo communities.

Called by the demo command inside its own transaction, so it goes through the services'
``_within`` forms, as the community's coordinator, with back-dated rows: the demo's transfers
pass the same permission checks, validation and limits as real ones.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from coproduce.communities.models import Community, Membership, Organisation
from coproduce.ledger import services
from coproduce.ledger.models import Account, CreditRule, Transfer

Kind = Transfer.Kind


class _History:
    def __init__(self, community: Community, memberships: dict[str, Membership]) -> None:
        self.community = community
        self.people = memberships
        self.coordinator = memberships.get("coordinator")
        self.zone = zoneinfo.ZoneInfo(community.timezone)
        self.today = timezone.localtime(timezone.now(), self.zone).date()

    def at(self, days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(
            self.today - timedelta(days=days_ago), time(hour, 0), tzinfo=self.zone
        )

    def account(self, key: str) -> Account | None:
        membership = self.people.get(key)
        if membership is None:
            return None
        return services.member_account_open_within(membership=membership)

    def own(self, kind: str) -> Account:
        return Account.objects.get(community=self.community, kind=kind)

    def add(
        self,
        debit: Account | None,
        credit: Account | None,
        *,
        kind: str,
        days_ago: int,
        hour: int = 10,
        minutes: int | None = None,
        given: int | None = None,
        category: str = "",
        memo: str = "",
        on_hold: bool = False,
    ) -> Transfer | None:
        if debit is None or credit is None or self.coordinator is None:
            return None
        when = self.at(days_ago, hour)
        record = services.transfer_hold_within if on_hold else services.transfer_create_within
        return record(
            actor=self.coordinator,
            debit=debit,
            credit=credit,
            kind=kind,
            minutes=minutes,
            minutes_given=given,
            category=category,
            given_at=when if given is not None else None,
            memo=memo,
            for_member=credit.membership if credit.kind == Account.Kind.MEMBER else None,
            created_at=when,
        )

    def reverse(self, transfer: Transfer | None, *, days_ago: int, memo: str) -> None:
        if transfer is None or self.coordinator is None:
            return
        services.transfer_reverse_within(
            actor=self.coordinator, transfer=transfer, memo=memo, created_at=self.at(days_ago, 11)
        )


def _rules(community: Community, slug: str, coordinator: Membership | None) -> None:
    """Version 1 is one-to-one. Paxton Green adds Fureai Kippu multipliers from five months ago."""
    services.community_accounts_open_within(community=community)
    if slug == "paxton-green":
        CreditRule.objects.get_or_create(
            community=community,
            version=2,
            defaults={
                "starts_at": timezone.now() - timedelta(days=150),
                "out_of_hours_per_mille": 1500,
                "category_per_mille": {"personal-care": 2000},
                "stacking": CreditRule.Stacking.MULTIPLY,
                "note": "Personal care counts double; help outside 09:00–17:00 half as much again.",
                "created_by": coordinator,
            },
        )


def ledger_demo_build(
    *,
    community: Community,
    memberships: dict[str, Membership],
    organisations: dict[str, Organisation],
) -> None:
    """Credit rules and a history of transfers: exchanges, awards, redemptions, a donation to
    the pot, a reversal and a hold still waiting to be confirmed."""
    _rules(community, community.slug, memberships.get("coordinator"))
    history = _History(community, memberships)
    pot = history.own(Account.Kind.POT)
    partner_accounts = {
        name: services.organisation_account_open_within(organisation=organisation)
        for name, organisation in organisations.items()
    }

    if community.uses_issued_credits:
        issuance = history.own(Account.Kind.ISSUANCE)
        member, member2 = history.account("member"), history.account("member2")
        history.add(
            issuance,
            member,
            kind=Kind.AWARD,
            days_ago=300,
            given=180,
            memo="Tenants' panel meeting",
        )
        history.add(
            issuance, member2, kind=Kind.AWARD, days_ago=280, given=240, memo="Newsletter delivery"
        )
        history.add(
            issuance, member, kind=Kind.AWARD, days_ago=200, given=120, memo="Community garden"
        )
        mistaken = history.add(
            issuance, member2, kind=Kind.AWARD, days_ago=150, given=600, memo="Garden day"
        )
        history.reverse(mistaken, days_ago=149, memo="Recorded ten hours instead of one")
        history.add(issuance, member2, kind=Kind.AWARD, days_ago=149, given=60, memo="Garden day")
        sports = next((a for n, a in partner_accounts.items() if "Sports" in n), None)
        cinema = next((a for n, a in partner_accounts.items() if "Cinema" in n), None)
        history.add(member, sports, kind=Kind.REDEMPTION, days_ago=120, minutes=60, memo="Swim")
        history.add(
            member2, cinema, kind=Kind.REDEMPTION, days_ago=90, minutes=60, memo="Film ticket"
        )
        history.add(
            member, pot, kind=Kind.DONATION, days_ago=60, minutes=60, memo="For the summer trip"
        )
        history.add(
            issuance, member, kind=Kind.AWARD, days_ago=30, given=90, memo="Welcoming new tenants"
        )
        history.add(
            member2,
            sports,
            kind=Kind.REDEMPTION,
            days_ago=3,
            minutes=60,
            memo="Gym session",
            on_hold=True,
        )
        return

    # Mutual credit: members start at zero and help each other; the receiver pays the giver.
    keys = [
        key
        for key in ("member", "member2", "member3", "nologin", "coordinator", "gp")
        if key in memberships
    ]
    accounts = [history.account(key) for key in keys]
    pairs = [(accounts[i], accounts[(i + 1) % len(accounts)]) for i in range(len(accounts))]
    days = 330
    for round_number in range(3):
        for receiver, giver in pairs:
            history.add(
                receiver,
                giver,
                kind=Kind.EXCHANGE,
                days_ago=days,
                hour=10 + round_number * 4,
                given=60 + 30 * round_number,
                category="personal-care" if round_number == 2 else "",
                memo=["Shopping trip", "Gardening", "Sitting with them after a hospital stay"][
                    round_number
                ],
            )
            days -= 9
    mistaken = history.add(
        accounts[0],
        accounts[1],
        kind=Kind.EXCHANGE,
        days_ago=40,
        given=120,
        memo="Recorded twice by mistake",
    )
    history.reverse(mistaken, days_ago=39, memo="Duplicate entry")
    history.add(
        accounts[1],
        pot,
        kind=Kind.DONATION,
        days_ago=20,
        minutes=60,
        memo="For members who can't give back yet",
    )
    history.add(
        pot, accounts[-1], kind=Kind.GIFT, days_ago=10, minutes=30, memo="From the community pot"
    )
    history.add(
        accounts[2],
        accounts[0],
        kind=Kind.EXCHANGE,
        days_ago=2,
        minutes=90,
        memo="Lift to the clinic",
        on_hold=True,
    )
