"""Members swap skills in a real browser: Ann offers gardening, Bob finds it with a typo and asks,
they talk, Ann records 1:30, Bob confirms, both balances move by exactly 1:30. Then a coordinator
records an exchange for a member who has no login. axe-core checks every page on the way."""

from __future__ import annotations

import pytest
from django.db import transaction
from playwright.sync_api import expect

from coproduce.communities.tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)
from coproduce.exchanges.models import Exchange
from coproduce.exchanges.services import categories_seed_within
from coproduce.ledger.models import Account

from .conftest import follow, sign_in, submit, totp_activate, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def community():
    community = CommunityFactory(name="Norwood Time Bank", slug="norwood")
    with transaction.atomic():
        categories_seed_within(community=community)
    return community


def balance(member) -> int:
    return Account.objects.get(kind=Account.Kind.MEMBER, membership=member).balance


def test_offer_find_with_a_typo_ask_message_record_confirm(new_page, community):
    ann = MembershipFactory(community=community, profile__display_name="Ann Giver")
    bob = MembershipFactory(community=community, profile__display_name="Bob Asker")
    a, b = new_page(), new_page()

    sign_in(a, ann.user.email, TEST_PASSWORD)
    visit(a, "/c/norwood/exchange/listings/new/?kind=offer")
    a.get_by_label("Kind of help").select_option(label="Gardening")
    a.get_by_label("Title").fill("Help with gardening")
    a.get_by_label("Tell people more").fill("Weeding, planting and mowing.")
    submit(a, a.get_by_role("button", name="Publish listing"))
    expect(a.get_by_role("heading", name="Help with gardening")).to_be_visible()

    sign_in(b, bob.user.email, TEST_PASSWORD)
    visit(b, "/c/norwood/exchange/")
    b.get_by_label("Search").fill("gardning")
    submit(b, b.locator("main").get_by_role("button", name="Search"))
    follow(b, b.get_by_role("link", name="Help with gardening"))
    b.get_by_label("Your message (optional)").fill("Could you help with my front garden?")
    submit(b, b.get_by_role("button", name="Ask for help"))
    exchange = Exchange.objects.get(giver=ann, receiver=bob)

    visit(a, "/c/norwood/exchange/mine/")
    follow(a, a.get_by_role("link", name="Help with gardening").first)
    expect(a.locator("main")).to_contain_text("Could you help with my front garden?")
    a.get_by_label("Your message", exact=True).fill("Yes! Saturday morning?")
    submit(a, a.get_by_role("button", name="Send message"))
    a.get_by_label("How long was the help").fill("1:30")
    submit(a, a.get_by_role("button", name="Record the hours"))
    expect(a.locator("main")).to_contain_text("The hours are recorded")

    visit(b, "/c/norwood/")
    expect(b.locator("main")).to_contain_text("Please confirm these hours")
    follow(b, b.get_by_role("link", name="Help with gardening").first)
    expect(b.locator("main")).to_contain_text("Yes! Saturday morning?")
    submit(b, b.get_by_role("button", name="Confirm the hours"))
    expect(b.locator("main")).to_contain_text("The hours are confirmed")

    assert (balance(ann), balance(bob)) == (90, -90)
    exchange.refresh_from_db()
    assert exchange.status == Exchange.Status.CONFIRMED
    visit(b, "/c/norwood/credits/")
    expect(b.locator("main")).to_contain_text("Help with gardening")
    expect(b.locator(".balance").first).to_have_text("−1:30")
    visit(a, "/c/norwood/credits/")
    expect(a.locator(".balance").first).to_have_text("1:30")


def test_a_coordinator_records_an_exchange_for_a_member_without_a_login(new_page, community):
    boss = CoordinatorFactory(community=community, profile__display_name="Becky Coordinator")
    secret = totp_activate(boss.user)
    vera = MembershipFactory(community=community, user=None, profile__display_name="Vera Nologin")
    tom = MembershipFactory(community=community, profile__display_name="Tom Neighbour")
    page = new_page()
    sign_in(page, boss.user.email, TEST_PASSWORD, totp_secret=secret)
    visit(page, f"/c/norwood/members/{vera.pk}/")
    follow(page, page.get_by_role("link", name="Record help they gave"))
    page.get_by_label("Who received the help").select_option(label="Tom Neighbour")
    page.get_by_label("Kind of help").select_option(label="Befriending and visits")
    page.get_by_label("What was the help").fill("A chat over tea")
    page.get_by_label("How long was the help").fill("1.5 hours")
    submit(page, page.get_by_role("button", name="Record exchange"))
    expect(page.locator("main")).to_contain_text("written by Becky Coordinator on their behalf")
    exchange = Exchange.objects.get(title="A chat over tea")
    assert (exchange.giver, exchange.receiver, exchange.minutes) == (vera, tom, 90)
    assert exchange.transfer.operator == boss and exchange.transfer.for_member == vera
    # Tom has no one to phone either: the coordinator confirms for him too.
    submit(page, page.get_by_role("button", name="Confirm the hours"))
    assert (balance(vera), balance(tom)) == (90, -90)
