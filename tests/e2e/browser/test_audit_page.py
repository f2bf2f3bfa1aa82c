"""The audit log page in the browser: filter by action and user, load more, reps kept out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_admin_filters_the_audit_log_and_loads_more(ui: Page, live_server: LiveServer) -> None:
    core = live_server.core
    dana = core.users.get_by_email("dana@example.com")
    for n in range(3):
        core.picklists.save_value(dana, "lead_sources", {"label": f"Fair <b>{n}</b>"})
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup")
    ui.get_by_role("link", name="Audit log").click()
    expect(ui.get_by_role("heading", name="Audit log")).to_be_visible()
    ui.get_by_label("Action").fill("setting.*")
    ui.get_by_label("User").fill("dana@example.com")
    ui.get_by_label("Object", exact=True).fill("lead_source")
    ui.get_by_role("button", name="Filter").click()
    rows = ui.locator("[data-audit-entry]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("setting.changed")
    expect(rows.first).to_contain_text("Fair <b>2</b>")  # shown as text, never as markup
    assert ui.locator("[data-audit-table] b").count() == 0
    screenshot(ui, "audit-log")
    ui.goto(f"{live_server.url}/setup/audit?action=setting.changed&limit=1")
    expect(rows).to_have_count(3)  # the page size is the installation's, not the URL's


def test_load_more_appends_the_next_page(ui: Page, live_server: LiveServer) -> None:
    core = live_server.core
    dana = core.users.get_by_email("dana@example.com")
    for n in range(core.settings.page_size_default + 2):
        core.picklists.save_value(dana, "lead_sources", {"label": f"Source {n}"})
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup/audit?action=setting.changed")
    rows = ui.locator("[data-audit-entry]")
    expect(rows).to_have_count(core.settings.page_size_default)
    ui.get_by_role("link", name="Load more").click()
    expect(rows).to_have_count(core.settings.page_size_default + 2)
    expect(ui.get_by_role("link", name="Load more")).to_have_count(0)
    assert ui.url.endswith("/setup/audit?action=setting.changed")  # htmx, same page


def test_a_bad_filter_is_named_and_a_rep_is_refused(ui: Page, live_server: LiveServer) -> None:
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup/audit?ip=not-an-ip&since=tomorrow")
    alert = ui.locator("[data-error-message]")
    expect(alert).to_contain_text("ip: Not an IP address")
    expect(alert).to_contain_text("since:")
    ui.context.clear_cookies()
    sign_in(ui, live_server, "priya@example.com")
    response = ui.goto(f"{live_server.url}/setup/audit")
    assert response is not None and response.status == 403
