"""The lead list in the browser: filters, search as you type, sorting, pages, shortcuts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in
from tests.e2e.browser.seed import LEADS, UNIQUE_COMPANY

pytestmark = pytest.mark.browser


def rows(page: Page):  # type: ignore[no-untyped-def]
    """The lead rows of the table."""
    return page.locator("#lead-results tbody tr")


def column(page: Page, index: int) -> list[str]:
    """The texts of one column (0-based) of the visible rows."""
    return [t.strip() for t in rows(page).locator(f"td:nth-child({index + 1})").all_inner_texts()]


def test_filtering_by_status_shows_only_those_leads_and_keeps_the_filter_in_the_url(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    expect(ui.locator("[data-total]")).to_have_text(str(LEADS))
    ui.get_by_label("Working - Contacted").check()
    expect(ui).to_have_url(re.compile(r"status=Working\+-\+Contacted"))
    expect(ui.locator("[data-total]")).to_have_text(str(LEADS // 2))
    assert set(column(ui, 2)) == {"Working - Contacted"}
    screenshot(ui, "list-filtered-by-status")

    ui.reload()
    expect(ui.get_by_label("Working - Contacted")).to_be_checked()
    expect(ui.locator("[data-total]")).to_have_text(str(LEADS // 2))


def test_searching_as_you_type_narrows_the_list_and_keeps_the_query_in_the_url(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    ui.get_by_label("Search leads").press_sequentially("aurora bor", delay=30)
    expect(rows(ui)).to_have_count(1)
    expect(rows(ui).first).to_contain_text(UNIQUE_COMPANY)
    expect(ui).to_have_url(re.compile(r"q=aurora\+bor"))
    screenshot(ui, "list-search")

    ui.get_by_label("Search leads").fill("no such lead anywhere")
    expect(ui.get_by_role("heading", name="No leads found")).to_be_visible()
    screenshot(ui, "list-empty-state")


def test_clicking_a_column_header_sorts_by_it_and_clicking_again_reverses(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    ui.get_by_role("link", name=re.compile(r"^Company")).click()
    expect(ui).to_have_url(re.compile(r"sort=company$"))
    expect(ui.get_by_role("columnheader", name=re.compile("Company"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    companies = column(ui, 1)
    assert companies == sorted(companies)
    screenshot(ui, "list-sorted-by-company")

    ui.get_by_role("link", name=re.compile(r"^Company")).click()
    expect(ui).to_have_url(re.compile(r"sort=-company$"))
    expect(ui.get_by_role("columnheader", name=re.compile("Company"))).to_have_attribute(
        "aria-sort", "descending"
    )
    descending = column(ui, 1)
    assert descending == sorted(descending, reverse=True)
    assert descending[0] != companies[0]


def test_next_and_previous_walk_through_the_pages(ui: Page, live_server: LiveServer) -> None:
    sign_in(ui, live_server)
    first_page = column(ui, 0)
    assert len(first_page) == 25
    ui.get_by_role("link", name="Next →").click()
    expect(ui).to_have_url(re.compile(r"cursor="))
    expect(rows(ui).first).not_to_contain_text(first_page[0])
    second_page = column(ui, 0)
    assert len(second_page) == 25 and not set(second_page) & set(first_page)
    screenshot(ui, "list-second-page")

    ui.get_by_role("link", name="Next →").click()
    expect(rows(ui)).to_have_count(LEADS - 50)
    expect(ui.get_by_text("Next →")).to_have_attribute("aria-disabled", "true")
    ui.get_by_role("link", name="← Previous").click()
    expect(rows(ui).first).to_contain_text(second_page[0].splitlines()[0])
    ui.get_by_role("link", name="← Previous").click()
    expect(rows(ui).first).to_contain_text(first_page[0].splitlines()[0])
    assert column(ui, 0) == first_page


def test_slash_focuses_the_search_and_n_opens_the_new_lead_form(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    ui.locator("body").press("/")
    expect(ui.get_by_label("Search leads")).to_be_focused()
    ui.keyboard.type("n")  # typing in the search box is not a shortcut
    expect(ui).to_have_url(re.compile(r"/leads(\?.*)?$"))
    ui.keyboard.press("Escape")
    ui.get_by_label("Search leads").fill("")
    ui.get_by_role("heading", name="Leads", exact=True).click()
    ui.keyboard.press("n")
    expect(ui).to_have_url(f"{live_server.url}/leads/new")
    expect(ui.get_by_label("First name")).to_be_focused()
    screenshot(ui, "new-lead-by-shortcut")
