"""Coordinators on a small phone: the second step they must set up, registering someone who
has no computer, and a profile edited with JavaScript switched off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.communities.models import Membership
from coproduce.communities.tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
)

from .conftest import SMALL_PHONE, follow, sign_in, submit, totp_activate, totp_code, visit

pytestmark = pytest.mark.browser

TOTP_SETUP = "/accounts/2fa/totp/activate/"
SECOND_STEP_MESSAGE = "Coordinators and administrators must set up a second step"


@pytest.fixture
def viewport() -> dict[str, int]:
    return SMALL_PHONE


@pytest.fixture
def community():
    return CommunityFactory(name="Grangetown Time Bank", slug="grangetown")


def test_coordinator_without_a_second_step_is_sent_to_set_one_up(page, community):
    coordinator = CoordinatorFactory(community=community)

    sign_in(page, coordinator.user.email, TEST_PASSWORD)
    # allauth asks for the password once more before a second step can be set up.
    assert "/accounts/reauthenticate/" in page.url, page.url
    expect(page.locator("main")).to_contain_text(SECOND_STEP_MESSAGE)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    submit(page, page.locator("main").get_by_role("button", name="Confirm"))
    assert page.url.endswith(TOTP_SETUP), page.url

    # The community's pages stay closed until the second step is set up.
    follow(page, page.get_by_role("link", name="Coproduce", exact=True))
    assert page.url.endswith(TOTP_SETUP), page.url
    visit(page, "/c/grangetown/members/")
    assert page.url.endswith(TOTP_SETUP), page.url
    expect(page.locator("main")).to_contain_text(SECOND_STEP_MESSAGE)
    expect(page.get_by_role("heading", name="Members")).to_have_count(0)

    # Setting it up on the phone: the secret can be read (and copied) for an app without a
    # camera, and the first code from the app opens the community's pages.
    secret_field = page.get_by_label("Authenticator secret")
    secret_field.focus()
    expect(secret_field).to_be_focused()
    page.get_by_label("Authenticator code").fill(totp_code(secret_field.input_value()))
    submit(page, page.get_by_role("button", name="Activate"))
    visit(page, "/c/grangetown/members/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Members")


def test_coordinator_registers_a_member_who_does_not_sign_in(page, community):
    coordinator = CoordinatorFactory(community=community)
    sign_in(
        page, coordinator.user.email, TEST_PASSWORD, totp_secret=totp_activate(coordinator.user)
    )

    visit(page, "/c/grangetown/members/")
    follow(page, page.get_by_role("link", name="Register someone without a computer"))
    assert page.url.endswith("/c/grangetown/members/new/")

    # Forgetting the name: the error is shown, and everything else typed stays.
    page.get_by_label(re.compile("^Phone number")).fill("029 2011 1111")
    page.get_by_label("Letter by post").check()
    page.get_by_label(re.compile("^Languages they speak")).fill("Welsh")
    page.get_by_label(re.compile("^Anything that helps them take part")).fill("Large print.")
    submit(page, page.get_by_role("button", name="Register member"))
    assert page.url.endswith("/c/grangetown/members/new/")
    expect(page.get_by_role("alert")).to_contain_text("Their name: This field is required.")
    expect(page.locator("#id_display_name_error")).to_contain_text("This field is required.")
    expect(page.get_by_label(re.compile("^Phone number"))).to_have_value("029 2011 1111")
    expect(page.get_by_label("Letter by post")).to_be_checked()
    expect(page.get_by_label(re.compile("^Languages they speak"))).to_have_value("Welsh")
    expect(page.get_by_label(re.compile("^Anything that helps them take part"))).to_have_value(
        "Large print."
    )
    assert not Membership.objects.filter(profile__display_name="Dilys Evans").exists()

    page.get_by_label("Their name").fill("Dilys Evans")
    submit(page, page.get_by_role("button", name="Register member"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dilys Evans")
    expect(page.get_by_role("status")).to_contain_text("Dilys Evans is now a member.")
    expect(page.locator(".summary-list")).to_contain_text("No – a coordinator acts for them")
    expect(page.locator(".summary-list")).to_contain_text("Letter by post")
    expect(page.locator(".summary-list")).to_contain_text("029 2011 1111")
    registered = Membership.objects.get(profile__display_name="Dilys Evans")
    assert registered.user is None
    assert registered.status == Membership.Status.ACTIVE

    # Nothing on a 320px screen is wider than the screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]


def test_profile_can_be_edited_without_javascript(new_page, community):
    member = MembershipFactory(community=community, profile__display_name="Owen Price")
    page = new_page(viewport=SMALL_PHONE, java_script_enabled=False)

    sign_in(page, member.user.email, TEST_PASSWORD)
    visit(page, "/c/grangetown/profile/")
    page.get_by_label("Name to show").fill("")
    page.get_by_label(re.compile("^Pronouns")).fill("he/him")
    submit(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("alert")).to_contain_text("Name to show: This field is required.")
    expect(page.get_by_label(re.compile("^Pronouns"))).to_have_value("he/him")

    page.get_by_label("Name to show").fill("Owen ap Rhys")
    submit(page, page.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Profile saved.")
    member.profile.refresh_from_db()
    assert member.profile.display_name == "Owen ap Rhys"
    assert member.profile.pronouns == "he/him"
