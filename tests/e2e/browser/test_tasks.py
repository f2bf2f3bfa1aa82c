"""Tasks in the browser: add one on a lead's page, find it in My tasks, complete it there."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser
SUBJECT = "Send the signed contract"


def test_a_task_added_on_a_lead_is_completed_from_my_tasks(
    ui: Page, live_server: LiveServer
) -> None:
    core, dana = live_server.core, live_server.seeded.users["dana@example.com"]
    today = datetime.now(UTC).date()
    core.activities.create(dana, {"kind": "task", "subject": "Prepare the renewal",
                                  "due_date": today + timedelta(days=3)})  # fmt: skip
    lead_id = live_server.seeded.lead_ids[0]
    lead = core.leads.get(dana, lead_id)
    sign_in(ui, live_server)

    ui.goto(live_server.lead_url(lead_id))
    panel = ui.locator("#activity-panel")
    expect(panel.get_by_role("radio", name="New task")).to_be_checked()
    form = panel.get_by_role("form", name="New task")
    form.get_by_label("Subject").fill(SUBJECT)
    form.get_by_label("Due date").fill((today - timedelta(days=1)).isoformat())
    form.get_by_label("Priority").select_option("High")
    form.get_by_role("button", name="Add task").click()
    expect(ui.locator(".toast")).to_have_text("Task added")
    added = panel.locator(".activity-item.is-open", has_text=SUBJECT)
    expect(added).to_contain_text("Overdue · Due")
    expect(added).to_contain_text("High priority")
    expect(form.get_by_label("Subject")).to_have_value("")
    (saved,) = core.activities.for_record(dana, lead_id=lead_id).items
    assert (saved.subject, saved.due_date, saved.priority, saved.owner_id, saved.status) == (
        SUBJECT, today - timedelta(days=1), "High", dana.id, "Open"
    )  # fmt: skip

    ui.get_by_role("link", name="My tasks").click()
    expect(ui.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(ui.locator("#tasks-summary")).to_have_text(re.compile(r"2 open\s+1 overdue"))
    overdue = ui.locator(".task-group-overdue")
    row = overdue.locator(".task-row", has_text=SUBJECT)
    expect(row.get_by_role("link", name=lead.name)).to_have_attribute("href", f"/leads/{lead_id}")
    expect(ui.locator(".task-group-upcoming")).to_contain_text("Prepare the renewal")
    screenshot(ui, "my-tasks")

    row.get_by_role("button", name=f"Complete {SUBJECT}").click()
    expect(ui.locator(".toast")).to_have_text("Task completed")
    expect(row).to_contain_text("Completed")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(ui.locator("#tasks-summary")).to_have_text(re.compile(r"1 open\s+nothing overdue"))
    expect(ui.locator("#count-overdue")).to_have_text("0")
    assert core.activities.get(dana, saved.id or 0).status == "Completed"

    ui.reload()
    expect(ui.locator(".task-row")).to_have_count(1)
    expect(ui.locator(".task-row")).to_contain_text("Prepare the renewal")
    ui.goto(live_server.lead_url(lead_id))
    expect(panel.locator(".activity-item.is-open")).to_have_count(0)
    expect(panel.locator(".activity-task", has_text=SUBJECT)).to_contain_text("Completed")


def test_a_call_and_a_note_are_logged_from_their_tabs_with_errors_by_the_field(
    ui: Page, live_server: LiveServer
) -> None:
    core, dana = live_server.core, live_server.seeded.users["dana@example.com"]
    lead_id = live_server.seeded.lead_ids[1]
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(lead_id))
    panel = ui.locator("#activity-panel")

    panel.get_by_role("radio", name="Log a call").check()
    call = panel.get_by_role("form", name="Log a call")
    expect(call).to_be_visible()
    expect(panel.get_by_role("form", name="New task")).to_be_hidden()
    call.get_by_label("Duration (minutes)").fill("ten")
    call.get_by_role("button", name="Log call").click()
    expect(call.locator("#act-call-subject-error")).to_have_text("Is required")
    expect(call.locator("#act-call-call_duration_minutes-error")).to_have_text("Must be a number")
    expect(call.get_by_label("Subject")).to_have_attribute("aria-invalid", "true")
    expect(call.get_by_label("Subject")).to_be_focused()
    assert list(core.activities.for_record(dana, lead_id=lead_id).items) == []

    call.get_by_label("Subject").fill("Discovery call")
    call.get_by_label("Duration (minutes)").fill("30")
    call.get_by_label("Outcome").fill("Wants a demo")
    call.get_by_role("button", name="Log call").click()
    expect(ui.locator(".toast")).to_have_text("Call logged")
    expect(panel.locator(".activity-call")).to_contain_text("30 min")
    expect(panel.get_by_role("radio", name="Log a call")).to_be_checked()

    panel.get_by_role("radio", name="Add a note").check()
    note = panel.get_by_role("form", name="Add a note")
    note.get_by_label("Title").fill("Org chart")
    note.get_by_label("Note", exact=True).fill("Reports to the CFO")
    note.get_by_role("button", name="Add note").click()
    expect(ui.locator(".toast").last).to_have_text("Note added")
    expect(panel.locator(".activity-note")).to_contain_text("Reports to the CFO")
    kinds = [a.kind.value for a in core.activities.for_record(dana, lead_id=lead_id).items]
    assert kinds == ["note", "call"]
    screenshot(ui, "activity-panel")


def test_load_more_shows_the_rest_of_a_long_history(ui: Page, live_server: LiveServer) -> None:
    core, dana = live_server.core, live_server.seeded.users["dana@example.com"]
    lead_id = live_server.seeded.lead_ids[2]
    for n in range(12):
        core.activities.create(dana, {"kind": "note", "title": f"Note {n:02}", "lead_id": lead_id})
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(lead_id))
    items = ui.locator("#activity-panel .activity-item")
    expect(items).to_have_count(10)
    expect(items.first).to_contain_text("Note 11")
    ui.get_by_role("button", name="Load more").click()
    expect(items).to_have_count(12)
    expect(items.last).to_contain_text("Note 00")
    expect(ui.get_by_role("button", name="Load more")).to_have_count(0)
