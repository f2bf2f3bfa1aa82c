"""Sharing in the browser: an admin changes the leads' org-wide default; an owner shares a
private lead with another rep, who then opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_changes_the_org_wide_default_for_leads(ui: Page, live_server: LiveServer) -> None:
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup")
    ui.get_by_role("link", name="Sharing settings").click()
    ui.get_by_label("Lead").select_option("read")
    ui.get_by_role("button", name="Save").click()
    expect(ui.locator(".flash")).to_contain_text("Sharing settings saved.")
    expect(ui.get_by_label("Lead")).to_have_value("read")
    screenshot(ui, "sharing-settings")
    assert live_server.core.sharing.org_defaults()["lead"].value == "read"


def test_an_owner_shares_a_lead_with_another_rep_who_then_sees_it(
    ui: Page, live_server: LiveServer
) -> None:
    core = live_server.core
    owner = core.users.get_by_email("priya@example.com")
    core.users.create(None, {"name": "Sam Soto", "email": "sam@example.com", "role": "rep",
                             "password": PASSWORD})  # fmt: skip
    lead = core.leads.create(owner, {"last_name": "Quill", "company": "Quill Ltd"}, assign=False)
    url = live_server.lead_url(lead.id or 0)
    sign_in(ui, live_server, "sam@example.com")
    assert ui.goto(url).status == 404  # type: ignore[union-attr]
    ui.context.clear_cookies()
    sign_in(ui, live_server, "priya@example.com")
    ui.goto(url)
    panel = ui.locator("[data-sharing-panel]")
    expect(panel).to_contain_text("Not shared with anyone")
    panel.get_by_label("Share with").select_option(label="Sam Soto")
    panel.get_by_label("Access").select_option("read")
    panel.get_by_role("button", name="Share").click()
    expect(panel.locator(".sharing-list")).to_contain_text("Sam Soto")
    screenshot(ui, "sharing-panel")
    ui.context.clear_cookies()
    sign_in(ui, live_server, "sam@example.com")
    assert ui.goto(url).status == 200  # type: ignore[union-attr]
    expect(ui.get_by_role("heading", name="Quill", exact=False).first).to_be_visible()
    expect(ui.locator("#sharing-panel")).to_be_hidden()
