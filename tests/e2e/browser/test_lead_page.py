"""The lead page in the browser: the status path, inline edit, delete."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def open_first_new_lead(ui: Page, server: LiveServer) -> None:
    """Sign in and open a lead that is still Open - Not Contacted."""
    sign_in(ui, server)
    ui.get_by_label("Open - Not Contacted").check()
    expect(ui).to_have_url(re.compile("status="))
    # Wait for the filtered rows, not just the address, before clicking one.
    statuses = ui.locator("#lead-results tbody td:nth-child(3)")
    expect(statuses).to_have_text(["Open - Not Contacted"] * 15)
    ui.locator("#lead-results tbody tr a").first.click()
    expect(ui.locator(".path-step.is-current")).to_have_text("Open - Not Contacted")
    ui.wait_for_load_state("load")  # htmx bound before the path's buttons are pressed


def test_moving_along_the_status_path_persists_and_closing_needs_a_reason(
    ui: Page, live_server: LiveServer
) -> None:
    open_first_new_lead(ui, live_server)
    expect(ui.locator(".path-step.is-conversion [aria-disabled='true']")).to_have_attribute(
        "title", "Set by conversion"
    )
    ui.get_by_role("button", name="Working - Contacted").click()
    expect(ui.locator(".path-step.is-current")).to_have_text("Working - Contacted")
    expect(ui.locator(".path-step.is-done")).to_contain_text("Open - Not Contacted")
    screenshot(ui, "path-working")
    ui.reload()
    expect(ui.locator(".path-step.is-current")).to_have_text("Working - Contacted")

    ui.get_by_role("button", name="Closed - Not Converted").click()
    ui.get_by_role("button", name="Close lead").click()
    expect(ui.locator("#f-close_reason-error")).to_have_text("Choose a reason to close this lead.")
    expect(ui.locator(".path-step.is-current")).to_have_text("Working - Contacted")
    screenshot(ui, "path-close-needs-reason")

    ui.get_by_label("Why is this lead closed?").select_option("Chose a competitor")
    ui.get_by_role("button", name="Close lead").click()
    expect(ui.locator(".path-step.is-current")).to_have_text("Closed - Not Converted")
    expect(ui.locator(".close-note")).to_have_text("Closed: Chose a competitor")
    ui.reload()
    expect(ui.locator(".path-step.is-current")).to_have_text("Closed - Not Converted")
    expect(ui.locator("#field-close_reason")).to_contain_text("Chose a competitor")
    screenshot(ui, "path-closed", full_page=True)


def settled(ui: Page, action: Callable[[], object]) -> None:
    """Run ``action`` and wait until htmx has swapped and processed its response, as a
    person's pace guarantees: keys pressed before that would reach an unprocessed form."""
    ui.evaluate(
        "window.__settled = false; document.body.addEventListener("
        "'htmx:afterSettle', () => { window.__settled = true; }, {once: true})"
    )
    action()
    ui.wait_for_function("() => window.__settled === true")  # a function: CSP forbids eval


def test_a_field_is_edited_in_place_with_enter_and_escape_cancels(
    ui: Page, live_server: LiveServer
) -> None:
    open_first_new_lead(ui, live_server)
    settled(ui, ui.get_by_role("button", name=re.compile(r"^Title")).click)
    title = ui.locator("#f-title")
    expect(title).to_be_focused()
    title.fill("Chief Revenue Officer")
    title.press("Enter")
    expect(ui.locator("#field-title")).to_contain_text("Chief Revenue Officer")
    expect(ui.locator("#lead-header")).to_contain_text("Chief Revenue Officer at")
    expect(ui.get_by_role("button", name=re.compile(r"^Title"))).to_be_focused()

    settled(ui, lambda: ui.keyboard.press("Enter"))
    ui.locator("#f-title").fill("Something else")
    expect(ui.locator("#field-title")).not_to_have_class(re.compile("htmx-settling"))
    ui.keyboard.press("Escape")
    expect(ui.locator("#field-title")).to_contain_text("Chief Revenue Officer")

    settled(ui, ui.get_by_role("button", name=re.compile(r"^Email")).click)
    ui.locator("#f-email").fill("not an email")
    ui.get_by_role("button", name="Save").click()
    expect(ui.locator("#f-email")).to_have_attribute("aria-invalid", "true")
    expect(ui.locator("#f-email-error")).to_contain_text("Invalid email")
    screenshot(ui, "inline-edit-error")
    ui.keyboard.press("Escape")

    ui.reload()
    expect(ui.locator("#field-title")).to_contain_text("Chief Revenue Officer")
    screenshot(ui, "lead-page", full_page=True)


def test_deleting_a_lead_asks_first_and_returns_to_the_list(
    ui: Page, live_server: LiveServer
) -> None:
    open_first_new_lead(ui, live_server)
    name = ui.locator("#lead-header h1").inner_text()
    ui.once("dialog", lambda dialog: dialog.accept())
    ui.get_by_role("button", name="Delete").click()
    expect(ui).to_have_url(f"{live_server.url}/leads")
    expect(ui.get_by_text(f"Lead {name} deleted.")).to_be_visible()
    expect(ui.locator("[data-total]")).to_have_text("59")


def test_a_missing_lead_shows_the_error_page_with_a_way_back(
    ui: Page, live_server: LiveServer
) -> None:
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(9999))
    expect(ui.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(ui.get_by_text("Lead 9999 does not exist")).to_be_visible()
    screenshot(ui, "error-404")
    ui.get_by_role("link", name="Go to leads").click()
    expect(ui).to_have_url(f"{live_server.url}/leads")
