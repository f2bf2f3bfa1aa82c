"""Assignment in the browser: building a rule in the editor, taking a lead from a queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from opportune import User
from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def _user(server: LiveServer, email: str) -> User:
    return server.core.users.get_by_email(email)


def test_admin_builds_orders_and_activates_a_rule(ui: Page, live_server: LiveServer) -> None:
    priya, marcus = (
        _user(live_server, "priya@example.com"),
        _user(live_server, "marcus@example.com"),
    )
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup/assignment")
    ui.get_by_role("link", name="Create the first rule").click()
    ui.get_by_label("Name").fill("Regions")
    first = ui.locator("[data-entry]").nth(0)
    first.get_by_label("Field").first.select_option("lead_source")
    first.get_by_label("Value").first.fill("Web")
    first.get_by_label("Assign to").select_option(f"user:{marcus.id}")
    ui.get_by_role("button", name="Add entry").click()
    second = ui.locator("[data-entry]").nth(1)
    second.get_by_label("Field").first.select_option("country")
    second.get_by_label("Operator").first.select_option("in")
    second.get_by_label("Value").first.fill("US, Canada")
    second.get_by_role("button", name="Add condition").click()
    second.get_by_label("Field").nth(1).select_option("annual_revenue")
    second.get_by_label("Operator").nth(1).select_option("greater_than")
    second.get_by_label("Value").nth(1).fill("1000000")
    second.get_by_label("Assign to").select_option(f"user:{priya.id}")
    second.get_by_role("button", name="Move entry up").click()
    expect(ui.locator("[data-entry]").nth(0).locator("[data-entry-number]")).to_have_text("1")
    screenshot(ui, "assignment-rule-editor", full_page=True)
    ui.get_by_role("button", name="Save rule").click()
    expect(ui.locator(".flash")).to_contain_text("Saved the assignment rule 'Regions'")
    entries = ui.locator(".asg-entries li")
    expect(entries.nth(0)).to_contain_text("Priya Raman")
    expect(entries.nth(1)).to_contain_text("Marcus Oyelaran")
    ui.get_by_role("button", name="Activate").click()
    expect(ui.locator(".badge.asg-active")).to_have_text("Active")
    screenshot(ui, "assignment-rules")
    rule = live_server.core.assignment.rules(_user(live_server, "dana@example.com"))[0]
    assert [c.field for c in rule.entries[0].criteria] == ["country", "annual_revenue"]


def test_member_takes_a_lead_from_the_queue(ui: Page, live_server: LiveServer) -> None:
    core, dana = live_server.core, _user(live_server, "dana@example.com")
    priya = _user(live_server, "priya@example.com")
    queue = core.assignment.create_queue(dana, "Web enquiries")
    assert priya.id is not None
    core.assignment.add_queue_member(dana, queue.id, priya.id)
    rule = core.assignment.create_rule(dana, {"name": "Queue", "default_queue_id": queue.id})
    assert rule.id is not None
    core.assignment.activate(dana, rule.id)
    lead = core.leads.create(dana, {"last_name": "Queued", "company": "Waiting Ltd"})
    sign_in(ui, live_server, "priya@example.com")
    ui.get_by_label("Queue").select_option("mine")
    row = ui.locator("#lead-results tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Queue: Web enquiries")
    row.get_by_role("link", name="Queued").click()
    expect(ui.locator(".lead-meta")).to_contain_text("Queue: Web enquiries")
    ui.get_by_role("button", name="Take").click()
    expect(ui.locator(".flash")).to_contain_text("You now own Queued")
    expect(ui.locator(".lead-meta")).to_contain_text("Priya Raman")
    expect(ui.get_by_role("button", name="Take")).to_have_count(0)
    screenshot(ui, "assignment-taken")
    assert lead.id is not None
    assert core.leads.get(dana, lead.id, mark_read=False).owner_id == priya.id
