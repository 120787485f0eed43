"""The time-credit pages, as a member and a coordinator see them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from coproduce.communities.models import Community, Membership
from coproduce.ledger import services
from coproduce.ledger.models import AccountLimitChange, CommunityLink, CreditRule, Transfer
from coproduce.ledger.tests.factories import (
    account_of,
    make_community,
    make_coordinator,
    make_member,
    pay,
    signed_in,
)

pytestmark = pytest.mark.django_db


def url(name: str, community: Community, **kwargs: object) -> str:
    return reverse(f"ledger:{name}", kwargs={"community": community.slug, **kwargs})


def test_my_statement_shows_balance_and_running_balance(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    other = make_member(community, profile__display_name="Olu")
    pay(coordinator, account_of(member), account_of(other), 90, memo="Lift to the shops")
    pay(coordinator, account_of(other), account_of(member), 30, memo="Tea")
    page = member_client.get(url("statement", community))
    assert page.status_code == 200
    html = page.content.decode()
    assert "\u22121:00" in html  # balance now
    assert "\u22121:30" in html  # balance after the first line
    assert "Lift to the shops" in html and "Olu" in html
    assert page.context["community"] == community and page.context["actor"] == member


def test_the_statement_exports_as_csv(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    pay(coordinator, account_of(member), account_of(make_member(community)), 90, memo="=SUM(A1)")
    response = member_client.get(url("statement_csv", community))
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0].startswith("Date,Kind,From or to,Note,Change,Balance")
    assert "'=SUM(A1)" in body and "\u22121:30" in body and ",-90,-90," in body


def test_statement_files_are_never_stored(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    """A browser's cache or a proxy must keep no copy of someone's statement."""
    coordinator_client = signed_in(coordinator, second_factor=True)
    for response in (
        member_client.get(url("statement_csv", community)),
        coordinator_client.get(url("account_statement_csv", community, pk=account_of(member).pk)),
    ):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_balance_as_of_a_date_is_shown(
    community: Community, member: Membership, member_client: Client
) -> None:
    page = member_client.get(url("statement", community), {"as_of": "2024-03-01"})
    assert "Balance at the end of 1 March 2024: 0:00" in page.content.decode()


def test_giving_twice_with_one_form_pays_once(
    community: Community, member: Membership, member_client: Client
) -> None:
    friend = make_member(community)
    data = {
        "to": f"member:{friend.pk}",
        "minutes": "1:15",
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    first = member_client.post(url("give", community), data)
    second = member_client.post(url("give", community), data)
    assert first.status_code == second.status_code == 302
    assert Transfer.objects.filter(community=community).count() == 1
    assert account_of(friend).balance == 75


def test_a_refused_gift_explains_why_and_keeps_what_was_typed(
    community: Community, member: Membership, member_client: Client
) -> None:
    member.profile.display_name = "Sam"
    member.profile.save()
    friend = make_member(community)
    page = member_client.get(url("give", community))
    assert 'name="idempotency_key"' in page.content.decode()
    data = {
        "to": f"member:{friend.pk}",
        "minutes": "11:00",
        "memo": "Thanks",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = member_client.post(url("give", community), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your balance would go below \u221210:00; the most you can give now is 10:00." in html
    assert 'value="11:00"' in html and 'value="Thanks"' in html


def test_members_cannot_open_coordinator_pages(community: Community, member_client: Client) -> None:
    for name in ("coordinator", "transfer_record"):
        assert member_client.get(url(name, community)).status_code == 403


def test_another_community_is_not_found(member_client: Client) -> None:
    elsewhere = make_community()
    assert member_client.get(url("statement", elsewhere)).status_code == 404


def test_coordinators_see_every_account(
    community: Community, member: Membership, coordinator_client: Client
) -> None:
    page = coordinator_client.get(url("coordinator", community))
    assert page.status_code == 200
    assert escape(str(member)) in page.content.decode()
    assert "Community pot" in page.content.decode()


def test_a_coordinator_records_an_award_under_the_credit_rule(
    coordinator: Membership, member: Membership, coordinator_client: Client
) -> None:
    community = coordinator.community
    community.uses_issued_credits = True
    community.save()
    services.community_accounts_open(community=community)
    from coproduce.ledger.models import Account

    Account.objects.filter(community=community, kind="issuance").update(floor=None)
    data = {
        "kind": "award",
        "debit": "issuance",
        "credit": f"member:{member.pk}",
        "minutes": "2:00",
        "category": "",
        "memo": "Panel meeting",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = coordinator_client.post(url("transfer_record", community), data)
    assert response.status_code == 302
    transfer = Transfer.objects.get(kind="award")
    assert (transfer.minutes, transfer.minutes_given, transfer.credit_rule.version) == (120, 120, 1)
    detail = coordinator_client.get(response["Location"])
    assert "Panel meeting" in detail.content.decode()


def test_a_coordinator_reverses_a_transfer_once(
    community: Community, coordinator: Membership, member: Membership, coordinator_client: Client
) -> None:
    original = pay(coordinator, account_of(member), account_of(make_member(community)), 45)
    form = coordinator_client.get(url("transfer_reverse", community, pk=original.pk))
    assert "reversed only once" in form.content.decode()
    data = {"memo": "Wrong person", "idempotency_key": str(uuid.uuid4())}
    assert (
        coordinator_client.post(
            url("transfer_reverse", community, pk=original.pk), data
        ).status_code
        == 302
    )
    again = coordinator_client.post(
        url("transfer_reverse", community, pk=original.pk),
        {"memo": "", "idempotency_key": str(uuid.uuid4())},
    )
    assert again.status_code == 400
    assert "already been reversed" in again.content.decode()
    assert account_of(member).balance == 0


def test_a_coordinator_changes_limits_and_the_change_is_logged(
    community: Community, coordinator: Membership, member: Membership, coordinator_client: Client
) -> None:
    account = account_of(member)
    data = {"floor": "\u22125:00", "ceiling": "", "reason": "Agreed at review"}
    response = coordinator_client.post(url("account_limits", community, pk=account.pk), data)
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.floor, account.ceiling) == (-300, None)
    assert AccountLimitChange.objects.get().reason == "Agreed at review"
    statement = coordinator_client.get(url("account_statement", community, pk=account.pk))
    assert "Agreed at review" in statement.content.decode()


def test_a_coordinator_adds_a_credit_rule_version(
    community: Community, coordinator_client: Client
) -> None:
    data = {
        "starts_at": "",
        "window_start": "09:00",
        "window_end": "17:00",
        "out_of_hours": "1.5",
        "categories": "Personal care: 2",
        "stacking": "multiply",
        "note": "Fureai Kippu",
    }
    assert coordinator_client.post(url("rules", community), data).status_code == 302
    rule = CreditRule.objects.get(community=community, version=2)
    assert (rule.out_of_hours_per_mille, rule.category_per_mille) == (1500, {"personal care": 2000})
    page = coordinator_client.get(url("rules", community))
    assert "×1.5" in page.content.decode() and "personal care ×2" in page.content.decode()


def test_members_read_the_rules_but_cannot_add_one(
    community: Community, member_client: Client
) -> None:
    assert member_client.get(url("rules", community)).status_code == 200
    assert member_client.post(url("rules", community), {}).status_code == 403


def test_two_communities_agree_a_link_and_a_member_gives_across(
    community: Community,
    coordinator: Membership,
    coordinator_client: Client,
    member: Membership,
    member_client: Client,
) -> None:
    there = make_community()
    their_boss = make_coordinator(there, with_login=True)
    parent = make_member(there, with_login=True)
    data = {"partner_slug": there.slug, "limit_to_partner": "10:00", "limit_from_partner": "5:00"}
    assert coordinator_client.post(url("links", community), data).status_code == 302
    link = CommunityLink.objects.get()
    their_client = signed_in(their_boss, second_factor=True)
    page = their_client.get(url("links", there))
    assert "Agree to this link" in page.content.decode()
    their_client.post(url("link_action", there, pk=link.pk, action="accept"))
    assert member_client.get(url("link_give", community, pk=link.pk)).status_code == 200
    assert parent.user is not None
    gift = {
        "email": parent.user.email.upper(),
        "minutes": "2:00",
        "memo": "For Mum",
        "idempotency_key": str(uuid.uuid4()),
    }
    assert member_client.post(url("link_give", community, pk=link.pk), gift).status_code == 302
    assert account_of(parent).balance == 120
    their_client.post(url("link_action", there, pk=link.pk, action="pause"))
    refused = member_client.post(
        url("link_give", community, pk=link.pk), {**gift, "idempotency_key": str(uuid.uuid4())}
    )
    assert "paused" in refused.content.decode()


def test_the_receiver_confirms_a_hold_on_its_page(
    community: Community, coordinator: Membership, member: Membership, member_client: Client
) -> None:
    payer = make_member(community)
    hold = services.transfer_hold(
        actor=coordinator,
        debit=account_of(payer),
        credit=account_of(member),
        kind="exchange",
        minutes=60,
    )
    page = member_client.get(url("transfer_detail", community, pk=hold.pk))
    assert "Confirm: move the credits" in page.content.decode()
    member_client.post(
        url("transfer_resolve", community, pk=hold.pk, action="post"),
        {"idempotency_key": str(uuid.uuid4())},
    )
    assert account_of(member).balance == 60


def test_the_statement_page_costs_the_same_queries_for_10_or_200_transfers(
    community: Community,
    coordinator: Membership,
    member: Membership,
    member_client: Client,
    django_assert_num_queries: object,
) -> None:
    other = make_member(community)
    for _ in range(10):
        pay(coordinator, account_of(other), account_of(member), 3)
    with CaptureQueriesContext(connection) as ten:
        assert member_client.get(url("statement", community)).status_code == 200
    for _ in range(190):
        pay(coordinator, account_of(other), account_of(member), 3)
    with django_assert_num_queries(len(ten.captured_queries)):  # type: ignore[operator]
        page = member_client.get(url("statement", community))
    assert len(page.context["lines"]) == 200


# --- Hardening (issue 7) -------------------------------------------------------------------------


def give_across(client: Client, community: Community, link: CommunityLink, email: str) -> Any:
    data = {"email": email, "minutes": "1:00", "memo": "", "idempotency_key": str(uuid.uuid4())}
    return client.post(url("link_give", community, pk=link.pk), data)


def test_a_link_not_agreed_tells_nobody_who_is_a_member_on_the_other_side(
    community: Community, coordinator: Membership, member_client: Client
) -> None:
    there = make_community()
    parent = make_member(there, with_login=True)
    link = services.community_link_create(
        actor=coordinator, partner_slug=there.slug, limit_to_partner=600, limit_from_partner=600
    )
    assert parent.user is not None
    known = give_across(member_client, community, link, parent.user.email)
    unknown = give_across(member_client, community, link, "nobody@example.org")
    assert known.status_code == unknown.status_code == 400
    errors = [response.context["form"].errors for response in (known, unknown)]
    assert errors[0] == errors[1] == {"__all__": ["This link has not been agreed yet."]}
    services.community_link_accept(actor=make_coordinator(there), link=link)
    services.community_link_pause(actor=coordinator, link=link)
    paused = [
        give_across(member_client, community, link, email).context["form"].errors
        for email in (parent.user.email, "nobody@example.org")
    ]
    assert (
        paused[0] == paused[1] == {"__all__": ["Giving to this community is paused at the moment."]}
    )
    assert not Transfer.objects.exists()


def test_on_an_agreed_link_an_address_elsewhere_is_answered_as_an_unknown_one(
    community: Community, coordinator: Membership, member_client: Client
) -> None:
    there, third = make_community(), make_community()
    link = services.community_link_create(
        actor=coordinator, partner_slug=there.slug, limit_to_partner=600, limit_from_partner=600
    )
    services.community_link_accept(actor=make_coordinator(there), link=link)
    stranger = make_member(third, with_login=True)
    assert stranger.user is not None
    elsewhere = give_across(member_client, community, link, stranger.user.email)
    unknown = give_across(member_client, community, link, "nobody@example.org")
    errors = [response.context["form"].errors for response in (elsewhere, unknown)]
    assert errors[0] == errors[1]
    assert not Transfer.objects.exists()


def test_the_record_page_refuses_a_date_out_of_range_with_a_message(
    community: Community, coordinator: Membership, coordinator_client: Client
) -> None:
    data = {
        "kind": "exchange",
        "debit": f"member:{make_member(community).pk}",
        "credit": f"member:{make_member(community).pk}",
        "minutes": "1:00",
        "given_at": "9999-12-31T23:30",
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = coordinator_client.post(url("transfer_record", community), data)
    assert response.status_code == 400
    assert "Say when the time was given" in response.content.decode()
    assert not Transfer.objects.exists()


def test_giving_past_the_links_limit_says_how_much_more_can_go(
    community: Community, coordinator: Membership, member: Membership, member_client: Client
) -> None:
    there = make_community(name="Acceptance Delta")
    parent = make_member(there, with_login=True)
    link = services.community_link_create(
        actor=coordinator, partner_slug=there.slug, limit_to_partner=300, limit_from_partner=300
    )
    services.community_link_accept(actor=make_coordinator(there), link=link)
    assert parent.user is not None
    data = {
        "email": parent.user.email,
        "minutes": "5:01",
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = member_client.post(url("link_give", community, pk=link.pk), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "You can send at most 5:00 more to Acceptance Delta for now" in html
    assert "Clearing" not in html.split("<main", 1)[-1]


def test_a_member_cancels_a_gift_they_put_on_hold_from_its_page(
    community: Community, member: Membership, member_client: Client
) -> None:
    hold = services.transfer_hold(
        actor=member,
        debit=account_of(member),
        credit=account_of(make_member(community)),
        kind="gift",
        minutes=30,
    )
    html = member_client.get(url("transfer_detail", community, pk=hold.pk)).content.decode()
    assert "Cancel the hold" in html and "Confirm: move the credits" not in html
    member_client.post(
        url("transfer_resolve", community, pk=hold.pk, action="void"),
        {"idempotency_key": str(uuid.uuid4())},
    )
    assert Transfer.objects.get(pending=hold).phase == "void"
    assert account_of(member).debits_pending == 0


def test_an_award_in_a_community_that_does_not_award_says_so_in_plain_words(
    community: Community, coordinator: Membership, coordinator_client: Client
) -> None:
    data = {
        "kind": "award",
        "debit": "issuance",
        "credit": f"member:{make_member(community).pk}",
        "minutes": "5:00",
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = coordinator_client.post(url("transfer_record", community), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "This community does not award credits." in html
    assert "balance would go below" not in html
    assert not Transfer.objects.exists()
