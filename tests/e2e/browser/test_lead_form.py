"""Creating a lead in the browser, with the field errors shown where the fields are."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_lead_without_company_shows_the_error_and_once_fixed_opens_the_new_lead(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server, "priya@example.com")
    ui.get_by_role("link", name="New lead").click()
    expect(ui.get_by_label("Owner")).to_have_value(
        str(live_server.seeded.users["priya@example.com"].id)
    )
    ui.get_by_label("First name").fill("Grace")
    ui.get_by_label("Last name").fill("Hopper")
    ui.get_by_label("Email", exact=True).fill("grace@navy.example")
    ui.get_by_label("Rating").select_option("Hot")
    ui.get_by_label("Lead source").select_option("Partner Referral")
    ui.get_by_role("button", name="Save lead").last.click()

    company = ui.get_by_label("Company")
    expect(company).to_have_attribute("aria-invalid", "true")
    expect(ui.locator("#f-company-error")).to_have_text("Is required")
    expect(company).to_have_attribute("aria-describedby", "f-company-error")
    expect(ui.get_by_role("alert")).to_contain_text("1 field needs your attention")
    expect(ui.get_by_label("Last name")).to_have_value("Hopper")
    expect(ui.get_by_label("Rating")).to_have_value("Hot")
    screenshot(ui, "new-lead-missing-company", full_page=True)

    company.fill("Navy Computing Lab")
    ui.get_by_role("button", name="Save lead").last.click()
    expect(ui).to_have_url(re.compile(r"/leads/\d+$"))
    expect(ui.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(ui.get_by_text("Lead Grace Hopper at Navy Computing Lab created.")).to_be_visible()
    expect(ui.locator("#lead-header")).to_contain_text("Open - Not Contacted")
    screenshot(ui, "new-lead-created", full_page=True)
