"""Which accounts the generic endpoints move: every account kind, as the debit and as the credit,
through POST transfers and POST holds, for a member and for a coordinator, with every kind of
transfer. The community's own accounts move only through the services made for them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from coproduce.communities.models import Community, Membership
from coproduce.communities.tests.factories import OrganisationFactory
from coproduce.ledger import services
from coproduce.ledger.models import Account, Transfer
from coproduce.ledger.reconcile import ledger_reconcile
from coproduce.ledger.tests.factories import (
    account_of,
    community_account,
    make_community,
    make_coordinator,
    make_member,
    signed_in,
)

pytestmark = pytest.mark.django_db

MEMBER_KINDS = {"gift", "donation", "exchange", "redemption"}


def may_move(role: str, debit: str, credit: str, kind: str) -> bool:
    """The documented rules (docs/ledger.md, "Which accounts move how"), written independently
    of the code: what the generic endpoints must accept."""
    if kind in ("reversal", "inter_community") or "clearing" in (debit, credit):
        return False  # only the link's own service moves clearing accounts
    if role == "member" and (debit != "own" or kind not in MEMBER_KINDS):
        return False  # members give from their own account, in the kinds members use
    if credit == "issuance":
        return False  # issued credits are never paid back; an award is reversed
    if debit == "issuance" and kind != "award":
        return False  # new credits come only as a coordinator's award
    if (credit == "pot") != (kind == "donation"):
        return False  # the pot receives donations, and donations go only there
    return not (debit == "pot" and kind != "gift")  # the pot gives through a coordinator


@dataclass
class Books:
    client: Client
    accounts: dict[str, Account]
    communities: tuple[Community, Community]


def books(role: str) -> Books:
    """A community that issues credits, with every kind of account, funded, and an agreed link
    with another community (so clearing accounts exist on both sides)."""
    town = make_community(uses_issued_credits=True)
    boss = make_coordinator(town, with_login=True)
    me: Membership = (
        make_member(town, with_login=True) if role == "member" else make_coordinator(town)
    )
    neighbour, friend, funder = make_member(town), make_member(town), make_member(town)
    organisation = services.organisation_account_open_within(
        organisation=OrganisationFactory(community=town)
    )
    pot = community_account(town, Account.Kind.POT)
    for credit, kind in ((pot, "donation"), (organisation, "redemption")):
        services.transfer_create(
            actor=funder, debit=account_of(funder), credit=credit, kind=kind, minutes=300
        )
    elsewhere = make_community()
    link = services.community_link_create(
        actor=boss, partner_slug=elsewhere.slug, limit_to_partner=600, limit_from_partner=600
    )
    services.community_link_accept(actor=make_coordinator(elsewhere), link=link)
    accounts = {
        "own": account_of(me) if role == "member" else account_of(neighbour),
        "member": account_of(friend),
        "organisation": organisation,
        "issuance": community_account(town, Account.Kind.ISSUANCE),
        "pot": pot,
        "clearing": Account.objects.get(community=town, kind=Account.Kind.CLEARING),
    }
    client = signed_in(boss if role == "coordinator" else me, second_factor=role == "coordinator")
    return Books(client=client, accounts=accounts, communities=(town, elsewhere))


@pytest.mark.parametrize("account_kind", Account.Kind.values)
@pytest.mark.parametrize("endpoint", ["transfers", "holds"])
@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_the_generic_endpoints_move_only_the_accounts_made_for_them(
    role: str, endpoint: str, account_kind: str
) -> None:
    world = books(role)
    town = world.communities[0]
    tested = "own" if account_kind == Account.Kind.MEMBER else account_kind
    path = f"/api/v1/communities/{town.slug}/{endpoint}"
    moved = 0
    for side in ("debit", "credit"):
        debit, credit = (tested, "member") if side == "debit" else ("own", tested)
        if credit == "own":
            credit = "member"
        for kind in Transfer.Kind.values:
            before = Transfer.objects.count()
            response = world.client.post(
                path,
                {
                    "debit_account": world.accounts[debit].pk,
                    "credit_account": world.accounts[credit].pk,
                    "kind": kind,
                    "minutes": 10,
                },
                content_type="application/json",
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            case = (side, debit, credit, kind, response.status_code, response.content[:200])
            if may_move(role, debit, credit, kind):
                assert response.status_code == 201, case
                moved += 1
            else:
                assert response.status_code in (400, 403), case
                assert response.json()["error"]["message"], case
                assert Transfer.objects.count() == before, case
    report = ledger_reconcile()
    assert report.is_clean, report
    if account_kind == Account.Kind.CLEARING:
        assert moved == 0
        clearing = world.accounts["clearing"]
        clearing.refresh_from_db()
        assert (clearing.debits_posted, clearing.credits_posted) == (0, 0)
        assert (clearing.debits_pending, clearing.credits_pending) == (0, 0)


def test_a_refusal_says_what_a_member_can_do_instead() -> None:
    world = books("member")
    response = world.client.post(
        f"/api/v1/communities/{world.communities[0].slug}/transfers",
        {
            "debit_account": world.accounts["own"].pk,
            "credit_account": world.accounts["clearing"].pk,
            "kind": "gift",
            "minutes": 10,
        },
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "account_not_allowed"
    assert "Give credits to another community" in error["message"]
    assert "clearing" not in error["message"].lower()
