"""Every page a visitor, a member and a coordinator can reach passes axe-core's WCAG 2.2 AA
checks, and the keyboard reaches the skip link first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coproduce.communities.services import community_join_request, invitation_create
from coproduce.communities.tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    CoordinatorFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

from .conftest import sign_in, submit, totp_activate, visit

pytestmark = pytest.mark.browser

ANONYMOUS_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


def visit_every_page(page, pages: list[str], *, within: str, limit: int = 60) -> None:
    """Check the given pages, then every page they link to under `within`.

    Linked pages that differ only in numbers (one member's account, another's) use one template:
    one of each is enough.
    """
    visited: set[str] = set()
    shapes: set[str] = set()
    queue = [(path, True) for path in pages]
    while queue:
        path, given = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if path in visited or (not given and shape in shapes):
            continue
        visited.add(path)
        shapes.add(shape)
        assert len(visited) <= limit, f"more than {limit} pages: {sorted(visited)}"
        visit(page, path)
        hrefs = page.eval_on_selector_all(
            "a[href]",
            # Pages, not files: a download (a CSV statement) has no page to check.
            "links => links.filter(a => a.origin === location.origin && !a.hasAttribute('download')"
            " && !/\\.[a-z0-9]+$/i.test(a.pathname)).map(a => a.pathname + a.search)",
        )
        queue.extend((href, False) for href in hrefs if href.startswith(within))


@pytest.fixture
def community():
    community = CommunityFactory(
        name="Butetown Time Bank",
        slug="butetown",
        description="Time credits for Butetown.",
        accepts_join_requests=True,
    )
    OrganisationFactory(
        community=community,
        name="Butetown Sports Centre",
        description="Swim for one time credit.",
        website="https://sports.example.org/",
    )
    return community


def test_visitor_pages(page):
    for path in ANONYMOUS_PAGES:
        visit(page, path)


def test_first_tab_reaches_the_skip_link(page):
    for path in ["/", "/accounts/login/"]:
        visit(page, path)
        page.keyboard.press("Tab")
        skip_link = page.locator(":focus")
        expect(skip_link).to_have_text("Skip to main content")
        expect(skip_link).to_have_attribute("href", "#main")
        expect(skip_link).to_be_in_viewport()
        expect(page.locator("main#main")).to_have_count(1)

        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        # The next Tab goes to the first link or field in the content, not back to the header.
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.querySelector('main').contains(document.activeElement)"
        ), path


def test_member_pages(page, community):
    member = MembershipFactory(community=community, profile__display_name="Aisha Khan")
    neighbour = MembershipFactory(community=community, profile__display_name="Tom Hughes")
    sign_in(page, member.user.email, TEST_PASSWORD)
    assert page.url.endswith("/c/butetown/")

    pages = [
        "/c/butetown/",
        "/c/butetown/members/",
        "/c/butetown/members/?q=Tom",
        f"/c/butetown/members/{member.pk}/",
        f"/c/butetown/members/{neighbour.pk}/",
        "/c/butetown/profile/",
        "/c/butetown/organisations/",
        "/communities/",
        "/account/",
        "/account/tokens/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ]
    # And whatever else the community's pages link to, so that new pages are checked too.
    visit_every_page(page, pages, within="/c/butetown/")

    # A new API token is shown once, on the page the form lands on.
    visit(page, "/account/tokens/")
    page.get_by_label("What the token is for").fill("Surgery spreadsheet")
    submit(page, page.get_by_role("button", name="Make token"))
    expect(page.locator("#new-token")).to_be_visible()
    expect(page.get_by_role("cell", name="Surgery spreadsheet", exact=True)).to_be_visible()


def test_coordinator_pages(page, community):
    coordinator = CoordinatorFactory(community=community, profile__display_name="Gwen Morgan")
    member = MembershipFactory(community=community, profile__display_name="Sam Lee")
    community_join_request(
        community=community, user=UserFactory(), message="I would like to help at the library."
    )
    invitation_create(actor=coordinator, note="Leaflet at the library", max_uses=20)
    sign_in(
        page, coordinator.user.email, TEST_PASSWORD, totp_secret=totp_activate(coordinator.user)
    )

    pages = [
        "/c/butetown/",
        "/c/butetown/requests/",
        "/c/butetown/invitations/",
        "/c/butetown/members/new/",
        f"/c/butetown/members/{member.pk}/",
        f"/c/butetown/members/{member.pk}/profile/",
        f"/c/butetown/members/{member.pk}/roles/",
        "/c/butetown/organisations/",
        "/accounts/2fa/",
    ]
    visit_every_page(page, pages, within="/c/butetown/")
