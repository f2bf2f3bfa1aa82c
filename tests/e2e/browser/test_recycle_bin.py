"""The recycle bin in the browser: delete a lead from its page, restore it from the bin."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in


def test_a_lead_deleted_from_its_page_is_restored_from_the_recycle_bin(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    ui.locator("#lead-results tbody tr a").first.click()
    expect(ui).to_have_url(re.compile(r"/leads/\d+$"))
    lead_url = ui.url
    name = ui.locator("#lead-header h1").inner_text()
    ui.once("dialog", lambda dialog: dialog.accept())
    ui.get_by_role("button", name="Delete").click()
    expect(ui.get_by_text(f"Lead {name} deleted. It is in the recycle bin.")).to_be_visible()
    expect(ui.locator("[data-total]")).to_have_text("59")

    ui.get_by_role("link", name="Recycle bin").click()
    expect(ui.get_by_role("heading", name="Recycle bin")).to_be_visible()
    row = ui.locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    screenshot(ui, "recycle-bin")
    row.get_by_role("button", name=f"Restore {name}").click()

    expect(ui).to_have_url(lead_url)
    expect(ui.get_by_text(f"Restored lead “{name}”")).to_be_visible()
    expect(ui.locator("#lead-header h1")).to_have_text(name)
    ui.get_by_role("link", name="Recycle bin").click()
    expect(ui.get_by_text("The recycle bin is empty")).to_be_visible()
