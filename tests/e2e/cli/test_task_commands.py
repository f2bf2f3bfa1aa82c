"""``opportune task``: tasks, logged calls and notes on every database engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune import Account, Opportune, Opportunity, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line

TODAY = datetime.now(UTC).date()


@pytest.fixture
def acme(core: Opportune, admin: User) -> Account:
    """An account."""
    return core.accounts.create(admin, {"name": "Acme"})


@pytest.fixture
def deal(core: Opportune, admin: User, acme: Account) -> Opportunity:
    """An opportunity at the account."""
    data = {"name": "Acme renewal", "account_id": acme.id, "close_date": "2026-09-30"}
    return core.opportunities.create(admin, data)


def activity_count(core: Opportune, admin: User, deal: Opportunity) -> int:
    """How many activities the opportunity has."""
    assert deal.id is not None
    return len(core.activities.for_record(admin, opportunity_id=deal.id).items)


def test_task_add_creates_an_open_task_about_a_record(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    args = ["--due", "2026-06-30", "--priority", "high", "--opportunity", str(deal.id)]
    record = ok_json(run("task", "add", "Send the proposal", *args, "--json"))
    assert (record["kind"], record["subject"], record["status"], record["priority"]) == (
        "task", "Send the proposal", "Open", "High",
    )  # fmt: skip
    assert record["due_date"] == "2026-06-30" and record["opportunity_id"] == deal.id
    assert record["owner_name"] == admin.name
    assert core.activities.get(admin, record["id"]).subject == "Send the proposal"


def test_task_add_prints_the_task_and_what_it_relates_to(
    run: Run, admin: User, deal: Opportunity
) -> None:
    result = run("task", "add", "Call back", "--opportunity", str(deal.id))
    assert result.exit_code == 0, result.output
    assert "Created task" in result.stdout and "Call back" in result.stdout
    assert "Opportunity Acme renewal" in result.stdout and "Normal" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        (["--due", "next week"], "due_date: Must be a date (YYYY-MM-DD)", 2),
        (["--priority", "Urgent"], "priority: Must be one of: High, Normal, Low", 2),
        (["--opportunity", "999"], "opportunity_id: No opportunity with id 999", 2),
        (["--lead", "1", "--account", "1"], "lead_id: A lead cannot be combined", 2),
        (["--owner", "nobody@example.com"], "owner: No user with email", 2),
    ],
)
def test_task_add_refuses_bad_input_in_one_line_and_saves_nothing(
    run: Run,
    core: Opportune,
    admin: User,
    deal: Opportunity,
    args: list[str],
    needle: str,
    code: int,
) -> None:
    assert needle in one_error_line(run("task", "add", "Follow up", *args), code)
    assert core.activities.my_tasks(admin).open == ()


def test_task_list_shows_my_open_tasks_with_the_overdue_ones_marked(
    run: Run, core: Opportune, admin: User, rep: User, deal: Opportunity
) -> None:
    late = (TODAY - timedelta(days=3)).isoformat()
    soon = (TODAY + timedelta(days=3)).isoformat()
    for subject, due in [("Late one", late), ("Soon one", soon)]:
        core.activities.create(admin, {"kind": "task", "subject": subject, "due_date": due,
                                       "opportunity_id": deal.id})  # fmt: skip
    core.activities.create(rep, {"kind": "task", "subject": "Not mine"})
    result = run("task", "list")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{late} overdue" in out and soon in out and f"{soon} overdue" not in out
    assert "Opportunity Acme renewal" in out and "Not mine" not in out
    assert "2 open, 1 overdue" in out
    data = ok_json(run("task", "list", "--json"))
    assert [t["subject"] for t in data["open"]] == ["Late one", "Soon one"]
    assert [t["subject"] for t in data["overdue"]] == ["Late one"]
    theirs = ok_json(run("--user", rep.email, "task", "list", "--json"))
    assert [t["subject"] for t in theirs["open"]] == ["Not mine"]
    earlier = ok_json(run("task", "list", "--today", late, "--json"))
    assert earlier["overdue"] == []


def test_calls_and_notes_are_logged_and_listed_with_the_records_activities(
    run: Run, core: Opportune, admin: User, acme: Account, deal: Opportunity
) -> None:
    mei = core.contacts.create(admin, {"first_name": "Mei", "last_name": "Ng",
                                       "account_id": acme.id})  # fmt: skip
    call = ok_json(run("task", "log-call", "Pricing questions", "--contact", str(mei.id),
                       "--opportunity", str(deal.id), "--duration", "20", "--outcome",
                       "Wants a quote", "--when", "2026-05-04T10:30:00", "--json"))  # fmt: skip
    assert (call["kind"], call["call_duration_minutes"], call["outcome"]) == (
        "call", 20, "Wants a quote",
    )  # fmt: skip
    assert call["occurred_at"] == "2026-05-04T10:30:00+00:00"
    note = ok_json(run("task", "note", "Budget confirmed", "--opportunity", str(deal.id),
                       "--body", "The CFO signed off.", "--json"))  # fmt: skip
    assert (note["kind"], note["title"], note["body"]) == (
        "note", "Budget confirmed", "The CFO signed off.",
    )  # fmt: skip
    run("task", "add", "Send the quote", "--opportunity", str(deal.id))
    listed = ok_json(run("task", "list", "--opportunity", str(deal.id), "--json"))
    assert [a["kind"] for a in listed["items"]] == ["task", "note", "call"]
    table = run("task", "list", "--contact", str(mei.id))
    assert table.exit_code == 0, table.output
    assert "Pricing questions" in table.stdout and "1 activity" in table.stdout
    shown = run("task", "show", str(call["id"]))
    assert "Contact Mei Ng · Opportunity Acme renewal" in shown.stdout
    assert "Wants a quote" in shown.stdout


def test_record_activities_page_with_a_cursor(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    for n in range(3):
        core.activities.create(admin, {"kind": "note", "title": f"Note {n}",
                                       "opportunity_id": deal.id})  # fmt: skip
    first = ok_json(run("task", "list", "--opportunity", str(deal.id), "--limit", "2", "--json"))
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = ok_json(run("task", "list", "--opportunity", str(deal.id), "--cursor",
                       first["next_cursor"], "--json"))  # fmt: skip
    titles = [a["title"] for a in first["items"] + rest["items"]]
    assert sorted(titles) == ["Note 0", "Note 1", "Note 2"]
    missing = one_error_line(run("task", "list", "--opportunity", "999"), 3)
    assert missing == "Error: Opportunity 999 does not exist"


def test_done_completes_a_task_and_refuses_a_call(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    task = core.activities.create(admin, {"kind": "task", "subject": "Send the quote"})
    result = run("task", "done", str(task.id))
    assert result.exit_code == 0, result.output
    assert f"Completed task {task.id} · Send the quote." in result.stdout
    again = ok_json(run("task", "done", str(task.id), "--json"))
    assert again["status"] == "Completed" and again["completed_at"]
    assert again["version"] == 2
    call = core.activities.create(admin, {"kind": "call", "subject": "Hello"})
    line = one_error_line(run("task", "done", str(call.id)), 2)
    assert line == "Error: kind: Only a task can be completed"
    assert core.activities.get(admin, call.id).version == 1
    assert one_error_line(run("task", "done", "999"), 3) == "Error: Activity 999 does not exist"


def test_update_changes_a_task_and_reopens_it(
    run: Run, core: Opportune, admin: User, deal: Opportunity
) -> None:
    task = core.activities.create(admin, {"kind": "task", "subject": "Quote",
                                          "due_date": "2026-06-01"})  # fmt: skip
    core.activities.complete(admin, task.id)
    record = ok_json(run("task", "update", str(task.id), "--status", "open", "--set", "due=",
                         "--priority", "Low", "--json"))  # fmt: skip
    assert (record["status"], record["due_date"], record["priority"]) == ("Open", None, "Low")
    assert record["completed_at"] is None
    stale = run("task", "update", str(task.id), "--subject", "X", "--expect-version", "1")
    assert "changed by someone else" in one_error_line(stale, 5)
    wrong_kind = run("task", "update", str(task.id), "--body", "text")
    assert "body: No such task field" in one_error_line(wrong_kind, 2)
    assert core.activities.get(admin, task.id).subject == "Quote"


def test_delete_asks_and_a_rep_cannot_delete_someone_elses_task(
    run: Run, core: Opportune, admin: User, rep: User, deal: Opportunity
) -> None:
    note = core.activities.create(admin, {"kind": "note", "title": "Keep",
                                          "opportunity_id": deal.id})  # fmt: skip
    assert run("task", "delete", str(note.id), input="n\n").exit_code == 1
    # The admin's opportunity is private: to the rep the note does not exist.
    one_error_line(run("--user", rep.email, "task", "delete", str(note.id), "--yes"), 3)
    core.sharing.set_org_default(None, "opportunity", "read")  # seen, but not the rep's
    one_error_line(run("--user", rep.email, "task", "delete", str(note.id), "--yes"), 4)
    assert activity_count(core, admin, deal) == 1
    deleted = run("task", "delete", str(note.id), "--yes")
    assert deleted.exit_code == 0, deleted.output
    assert f"Deleted note {note.id} · Keep." in deleted.stdout
    assert activity_count(core, admin, deal) == 0
