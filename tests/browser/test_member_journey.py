"""The acceptance test: someone new signs up, joins a community, fills in their profile and
reads Coproduce in Welsh. Every page on the way is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    CoordinatorFactory,
)

from .conftest import follow, sign_in, submit, totp_activate, visit

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long and unusual passphrase 7"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def test_new_member_signs_up_joins_fills_in_profile_and_reads_welsh(new_page, page):
    community = CommunityFactory(
        name="Splott Time Bank",
        slug="splott",
        description="Neighbours in Splott helping each other.",
        accepts_join_requests=True,
    )
    coordinator = CoordinatorFactory(community=community)
    coordinator_secret = totp_activate(coordinator.user)

    # Sign up: email and the password twice; then the verification email.
    visit(page, "/")
    follow(page, page.locator("main").get_by_role("link", name="Join Coproduce"))
    assert page.url.endswith("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill("rhiannon@example.org")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(NEW_PASSWORD)
    submit(page, page.get_by_role("button", name=re.compile("^sign up$", re.IGNORECASE)))
    assert "/accounts/confirm-email/" in page.url

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rhiannon@example.org"]
    link = CONFIRM_LINK.search(mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # Opening the link only shows a button: confirming happens on purpose, by POST.
    visit(page, link.group(0))
    submit(page, page.get_by_role("button", name="Confirm"))
    # Signed in, in no community yet: Coproduce shows the communities one can join.
    assert page.url.endswith("/communities/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Ask to join.
    visit(page, "/communities/")
    follow(page, page.get_by_role("link", name="Ask to join Splott Time Bank"))
    assert page.url.endswith("/communities/splott/join/")
    page.get_by_label(re.compile("Tell the coordinators")).fill("I can help with gardening.")
    submit(page, page.get_by_role("button", name="Send my request"))
    expect(page.get_by_role("status")).to_contain_text("A coordinator of Splott Time Bank")
    expect(page.get_by_text("You have asked to join.")).to_be_visible()
    pending = Membership.objects.get(user__email="rhiannon@example.org")
    assert pending.status == Membership.Status.PENDING

    # The coordinator, in their own browser, signs in with their second step and says yes.
    coordinator_page = new_page()
    sign_in(coordinator_page, coordinator.user.email, TEST_PASSWORD, totp_secret=coordinator_secret)
    visit(coordinator_page, "/c/splott/requests/")
    request_card = coordinator_page.get_by_role("region", name="rhiannon")
    expect(request_card).to_contain_text("I can help with gardening.")
    submit(coordinator_page, request_card.get_by_role("button", name="Welcome rhiannon"))
    expect(coordinator_page.get_by_role("status")).to_contain_text("rhiannon has joined.")
    expect(coordinator_page.get_by_text("Nobody is waiting.")).to_be_visible()

    # The new member is in.
    visit(page, "/c/splott/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, rhiannon")

    # The profile: an empty name is refused, and what was typed stays in the form.
    visit(page, "/c/splott/profile/")
    page.get_by_label("Name to show").fill("")
    page.get_by_label(re.compile("^Pronouns")).fill("she/her")
    page.get_by_label(re.compile("^Languages you speak")).fill("Welsh, English")
    page.get_by_label("Phone call").check()
    page.get_by_label(re.compile("^Phone number")).fill("029 2000 0000")
    submit(page, page.get_by_role("button", name="Save profile"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please put this right")
    expect(summary.get_by_role("link", name=re.compile("^Name to show"))).to_have_attribute(
        "href", "#id_display_name"
    )
    name_field = page.get_by_label("Name to show")
    expect(name_field).to_have_value("")
    expect(page.locator("#id_display_name_error")).to_contain_text("This field is required.")
    expect(page.get_by_label(re.compile("^Pronouns"))).to_have_value("she/her")
    expect(page.get_by_label(re.compile("^Languages you speak"))).to_have_value("Welsh, English")
    expect(page.get_by_label("Phone call")).to_be_checked()
    expect(page.get_by_label(re.compile("^Phone number"))).to_have_value("029 2000 0000")

    name_field.fill("Rhiannon Jones")
    submit(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Profile saved.")
    expect(page.get_by_label("Name to show")).to_have_value("Rhiannon Jones")
    expect(page.get_by_label(re.compile("^Pronouns"))).to_have_value("she/her")

    # Welsh, from the footer, then back to English.
    submit(page, page.get_by_role("group", name="Language").get_by_role("button", name="Cymraeg"))
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    assert page.url.endswith("/c/splott/profile/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich proffil")
    language = page.locator(".language-form [role=group]")
    expect(language).to_have_accessible_name("Iaith")
    expect(language.locator("[aria-current=true]")).to_have_text("Cymraeg")
    visit(page, "/c/splott/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    # allauth's pages too (our Welsh catalog of its strings).
    visit(page, "/accounts/password/change/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newid cyfrinair")

    visit(page, "/c/splott/")
    submit(page, language.get_by_role("button", name="English"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("group", name="Language").locator("[aria-current=true]")).to_have_text(
        "English"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rhiannon Jones")
