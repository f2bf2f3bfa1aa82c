"""The merge page in the browser: pick values, merge, see the master; undo from the banner."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_pick_values_merge_see_the_master_and_undo(ui: Page, live_server: LiveServer) -> None:
    sign_in(ui, live_server)
    core = live_server.core
    dana = live_server.seeded.users["dana@example.com"]
    a = core.leads.create(dana, {"last_name": "Vance", "company": "Acme", "city": "Rome"}).id
    b = core.leads.create(
        dana, {"last_name": "Vance", "company": "Acme Inc", "city": "Oslo", "title": "CFO"}
    ).id

    ui.goto(f"{live_server.url}/merge?object=lead&ids={a},{b}")
    expect(ui.get_by_role("heading", name="Merge leads")).to_be_visible()
    city_from_b = ui.locator(f'input[name="take:city"][value="{b}"]')
    expect(city_from_b).not_to_be_checked()
    expect(ui.locator(f'input[name="take:title"][value="{b}"]')).to_be_checked()  # filled in
    ui.locator(f'[data-pick-column="{b}"]').click()  # take all of b's values...
    expect(city_from_b).to_be_checked()
    ui.locator(f'input[name="take:company"][value="{a}"]').check()  # ...but a's company
    screenshot(ui, "merge-page")
    ui.get_by_role("button", name="Merge 2 leads").click()

    expect(ui).to_have_url(re.compile(f"/leads/{a}$"))
    expect(ui.locator(".flash")).to_contain_text("Merged lead")
    master = core.leads.get(dana, a or 0, mark_read=False)
    assert (master.city, master.company, master.title) == ("Oslo", "Acme", "CFO")

    ui.goto(live_server.lead_url(b or 0))
    banner = ui.locator("#merge-banner")
    expect(banner).to_contain_text("This lead was merged into")
    screenshot(ui, "merge-banner")
    banner.get_by_role("button", name="Undo merge").click()
    expect(ui).to_have_url(re.compile(f"/leads/{b}$"))
    expect(ui.locator(".flash")).to_contain_text("undone")
    expect(ui.locator("#merge-banner")).to_have_count(0)
    assert core.leads.get(dana, a or 0, mark_read=False).city == "Rome"
