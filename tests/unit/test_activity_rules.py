"""Activities in the pure domain: tasks, calls and notes; who/what rules; completion; overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from opportune.domain.activities import (
    Activity,
    ActivityKind,
    complete_task,
    is_overdue,
    new_activity,
    open_and_overdue,
    update_activity,
)
from opportune.errors import ValidationError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 27)
ADA, REX = 1, 2


def make(raw: dict[str, object], actor: int = ADA) -> Activity:
    return new_activity(raw, actor_id=actor, now=NOW)


def task(subject: str = "Call back", **raw: object) -> Activity:
    return make({"kind": "task", "subject": subject, **raw})


def change(act: Activity, raw: dict[str, object], actor: int = ADA) -> tuple[Activity, list[str]]:
    return update_activity(act, raw, actor_id=actor, now=LATER)


def field_codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


def test_a_new_task_is_open_with_normal_priority_and_owned_by_its_creator() -> None:
    new = task(due_date="2026-12-01")
    assert (new.kind, new.status, new.priority, new.owner_id) == (
        ActivityKind.TASK,
        "Open",
        "Normal",
        ADA,
    )
    assert new.due_date == date(2026, 12, 1) and new.completed_at is None
    assert (new.created_at, new.created_by_id, new.version) == (NOW, ADA, 1)


def test_a_logged_call_happened_now_unless_told_otherwise() -> None:
    call = make({"kind": "Call", "subject": "Intro", "call_duration_minutes": "15"})
    assert (call.kind, call.occurred_at, call.call_duration_minutes) == (ActivityKind.CALL, NOW, 15)
    earlier = make({"kind": "call", "subject": "Intro", "occurred_at": "2026-11-26T09:00Z"})
    assert earlier.occurred_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_a_note_has_a_title_and_a_body() -> None:
    note = make({"kind": "note", "title": "Budget", "body": "Q1 only.\nAsk again."})
    assert (note.title, note.body, note.status) == ("Budget", "Q1 only.\nAsk again.", None)


def test_every_bad_task_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        make(
            {"kind": "task", "due_date": "tomorrow", "status": "Waiting", "priority": "Urgent",
             "body": "notes are not tasks", "completed_at": "2026-11-27", "owner_id": -1}
        )  # fmt: skip
    assert field_codes(exc) == {
        "subject": "REQUIRED_FIELD_MISSING",
        "due_date": "INVALID_TYPE",
        "status": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "priority": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "body": "INVALID_FIELD",
        "completed_at": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
    }


def test_a_bad_call_duration_and_a_missing_note_title_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"kind": "call", "subject": "x", "call_duration_minutes": -5})
    assert field_codes(exc) == {"call_duration_minutes": "NUMBER_OUTSIDE_VALID_RANGE"}
    with pytest.raises(ValidationError) as exc:
        make({"kind": "note", "body": "x" * 32001})
    assert field_codes(exc) == {"title": "REQUIRED_FIELD_MISSING", "body": "STRING_TOO_LONG"}


def test_a_missing_or_unknown_kind_is_reported_with_the_other_problems() -> None:
    with pytest.raises(ValidationError) as exc:
        make({"subject": "x" * 256, "lead_id": 1, "account_id": 2})
    assert field_codes(exc) == {
        "kind": "REQUIRED_FIELD_MISSING",
        "subject": "STRING_TOO_LONG",
        "lead_id": "FIELD_INTEGRITY_EXCEPTION",
    }
    with pytest.raises(ValidationError) as exc:
        make({"kind": "meeting", "subject": "Lunch"})
    assert field_codes(exc) == {"kind": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}


def test_an_activity_relates_to_a_contact_and_an_account_together() -> None:
    act = task(contact_id=3, account_id=4)
    assert (act.contact_id, act.account_id) == (3, 4)
    act = task(lead_id=5)
    assert act.lead_id == 5


def test_a_lead_cannot_be_combined_with_an_account() -> None:
    with pytest.raises(ValidationError) as exc:
        task(lead_id=5, account_id=4)
    assert field_codes(exc) == {"lead_id": "FIELD_INTEGRITY_EXCEPTION"}
    with pytest.raises(ValidationError) as exc:
        task(lead_id=5, opportunity_id=6)
    assert field_codes(exc) == {"lead_id": "FIELD_INTEGRITY_EXCEPTION"}


def test_an_activity_has_at_most_one_person_and_one_record() -> None:
    with pytest.raises(ValidationError) as exc:
        task(contact_id=3, lead_id=5)
    assert field_codes(exc) == {"contact_id": "FIELD_INTEGRITY_EXCEPTION"}
    with pytest.raises(ValidationError) as exc:
        task(account_id=4, opportunity_id=6)
    assert field_codes(exc) == {"opportunity_id": "FIELD_INTEGRITY_EXCEPTION"}


def test_the_relation_rules_apply_to_the_record_after_an_update() -> None:
    act = task(lead_id=5)
    with pytest.raises(ValidationError) as exc:
        change(act, {"account_id": 4})
    assert field_codes(exc) == {"lead_id": "FIELD_INTEGRITY_EXCEPTION"}
    moved, changed = change(act, {"lead_id": None, "contact_id": 3, "account_id": 4})
    assert (moved.lead_id, moved.contact_id, moved.account_id) == (None, 3, 4)
    assert {"lead_id", "contact_id", "account_id", "version"} <= set(changed)


def test_the_kind_of_an_activity_cannot_change() -> None:
    act = task()
    with pytest.raises(ValidationError) as exc:
        change(act, {"kind": "note"})
    assert field_codes(exc) == {"kind": "INVALID_FIELD_FOR_INSERT_UPDATE"}
    same, changed = change(act, {"kind": "TASK"})
    assert changed == [] and same.kind is ActivityKind.TASK


def test_a_task_status_and_owner_cannot_be_cleared() -> None:
    with pytest.raises(ValidationError) as exc:
        change(task(), {"status": None, "owner_id": None})
    assert field_codes(exc) == {
        "status": "REQUIRED_FIELD_MISSING",
        "owner_id": "REQUIRED_FIELD_MISSING",
    }


def test_completing_a_task_records_when_and_by_whom() -> None:
    done, changed = complete_task(task(), REX, LATER)
    assert (done.status, done.completed_at, done.updated_by_id) == ("Completed", LATER, REX)
    assert {"status", "completed_at", "version"} <= set(changed)


def test_completing_a_completed_task_changes_nothing() -> None:
    done, _ = complete_task(task(), ADA, NOW)
    again, changed = complete_task(done, REX, LATER)
    assert changed == [] and again.completed_at == NOW and again.version == done.version


def test_reopening_a_task_clears_its_completion() -> None:
    done = task(status="completed")
    assert done.completed_at == NOW
    reopened, changed = change(done, {"status": "Open"})
    assert reopened.completed_at is None and "completed_at" in changed


def test_only_a_task_can_be_completed() -> None:
    note = make({"kind": "note", "title": "Budget"})
    with pytest.raises(ValidationError) as exc:
        complete_task(note, ADA, LATER)
    assert field_codes(exc) == {"kind": "INVALID_OPERATION"}


def test_a_task_due_yesterday_and_open_is_overdue() -> None:
    assert is_overdue(task(due_date=TODAY - timedelta(days=1)), TODAY)


def test_a_task_due_today_done_or_undated_is_not_overdue() -> None:
    assert not is_overdue(task(due_date=TODAY), TODAY)
    assert not is_overdue(task(due_date="2026-11-01", status="Completed"), TODAY)
    assert not is_overdue(task(), TODAY)


def test_open_tasks_of_a_user_come_soonest_first_with_the_overdue_ones() -> None:
    tasks = [
        task("undated"),
        task("later", due_date="2026-12-10"),
        task("late low", due_date="2026-11-20", priority="Low"),
        task("late high", due_date="2026-11-20", priority="High"),
        task("done", due_date="2026-11-01", status="Completed"),
        task("not mine", due_date="2026-11-01", owner_id=REX),
        make({"kind": "call", "subject": "a call"}),
    ]
    agenda = open_and_overdue(tasks, ADA, TODAY)
    assert [t.subject for t in agenda.open] == ["late high", "late low", "later", "undated"]
    assert [t.subject for t in agenda.overdue] == ["late high", "late low"]
