"""The possible-duplicates panel on a lead page, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_lead_page_shows_its_possible_duplicate_with_a_merge_link(
    ui: Page, live_server: LiveServer
) -> None:
    core = live_server.core
    dana = core.users.get_by_email("dana@example.com")
    john = {"first_name": "John", "last_name": "Smithers", "company": "Quillbrook Ltd",
            "phone": "555-010-0299"}  # fmt: skip
    jon = {"first_name": "Jon", "last_name": "Smythers", "company": "QUILLBROOK",
           "phone": "+1 (555) 010 0299"}  # fmt: skip
    first, second = core.leads.create(dana, john), core.leads.create(dana, jon)
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(second.id or 0))
    panel = ui.locator("#duplicates-panel")
    expect(panel.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    link = panel.get_by_role("link", name="John Smithers")
    expect(link).to_have_attribute("href", f"/leads/{first.id}")
    expect(panel.get_by_role("link", name="Merge…")).to_have_attribute(
        "href", f"/merge?object=lead&ids={second.id},{first.id}"
    )
    panel.scroll_into_view_if_needed()
    screenshot(ui, "duplicates-panel")
    # The other lead's page shows this one back.
    ui.goto(live_server.lead_url(first.id or 0))
    expect(ui.locator("#duplicates-panel .dup-item")).to_have_count(1)
    expect(ui.locator("#duplicates-panel").get_by_role("link", name="Jon Smythers")).to_be_visible()


def test_scanning_fills_the_report_and_a_pair_can_be_dismissed(
    ui: Page, live_server: LiveServer
) -> None:
    core = live_server.core
    dana = core.users.get_by_email("dana@example.com")
    priya = {"first_name": "Priya", "last_name": "Raman", "company": "Tessaract GmbH",
             "email": "priya@tessaract.example"}  # fmt: skip
    core.leads.create(dana, priya)
    twin = {"first_name": "Pria", "last_name": "Ramen", "company": "Tessaract",
            "email": "PRIYA@tessaract.example"}  # fmt: skip
    core.leads.create(dana, twin)
    sign_in(ui, live_server)
    ui.get_by_role("link", name="Duplicates").click()
    ui.get_by_role("button", name="Scan leads").click()
    expect(ui.locator(".flash")).to_contain_text("new pair(s) reported")
    row = ui.locator(".dup-table tbody tr", has_text="Priya Raman")
    expect(row).to_contain_text("Pria Ramen")
    expect(row.get_by_role("link", name="Merge…")).to_be_visible()
    screenshot(ui, "duplicates-report")
    row.get_by_role("button", name="Dismiss").click()
    expect(ui.locator(".flash")).to_contain_text("Pair dismissed")
    expect(ui.locator(".dup-table tbody tr", has_text="Priya Raman")).to_have_count(0)
    ui.goto(f"{live_server.url}/setup/duplicate-rules")
    ui.get_by_role("link", name="Standard lead duplicate rule").click()
    expect(ui.get_by_label("When a record is created")).to_have_value("alert")
    screenshot(ui, "duplicate-rule-form", full_page=True)
