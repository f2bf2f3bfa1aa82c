"""Signing in and out in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in
from tests.e2e.browser.seed import PASSWORD

pytestmark = pytest.mark.browser


def test_a_wrong_password_shows_an_error_and_the_right_one_opens_the_lead_list(
    ui: Page, live_server: LiveServer
) -> None:
    ui.goto(f"{live_server.url}/leads")
    expect(ui).to_have_url(re.compile(r"/login\?next=/leads$"))
    ui.get_by_label("Email").fill("dana@example.com")
    ui.get_by_label("Password").fill("not-the-password")
    ui.get_by_role("button", name="Sign in").click()
    expect(ui.get_by_role("alert")).to_have_text("Invalid email or password")
    expect(ui.get_by_label("Email")).to_have_value("dana@example.com")
    screenshot(ui, "sign-in-wrong-password")

    ui.get_by_label("Password").fill(PASSWORD)
    ui.get_by_label("Password").press("Enter")
    expect(ui).to_have_url(f"{live_server.url}/leads")
    expect(ui.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(ui.locator(".usermenu summary")).to_contain_text("Dana Whitfield")
    screenshot(ui, "sign-in-lead-list")


def test_signing_out_ends_the_session(ui: Page, live_server: LiveServer) -> None:
    sign_in(ui, live_server)
    ui.locator(".usermenu summary").click()
    ui.get_by_role("button", name="Sign out").click()
    expect(ui.get_by_text("You have signed out.")).to_be_visible()
    screenshot(ui, "signed-out")
    ui.goto(f"{live_server.url}/leads")
    expect(ui).to_have_url(re.compile(r"/login"))
