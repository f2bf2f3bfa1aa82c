"""Activity use cases (tasks, logged calls, notes) through the service layer, on every engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text, update

from opportune import (
    NotFoundError,
    Opportune,
    PermissionDeniedError,
    StaleRecordError,
    User,
    ValidationError,
)
from opportune.db import tables as t
from opportune.db.repositories.activities import open_tasks_query
from opportune.domain.activities import Activity, ActivityKind
from opportune.domain.listing import Cursor
from opportune.services.activities import ActivityService
from opportune.services.uow import UnitOfWork

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)


@dataclass(frozen=True, slots=True)
class Records:
    """One record of each kind an activity can relate to, plus a second lead."""

    lead_id: int
    other_lead_id: int
    contact_id: int
    account_id: int
    opportunity_id: int


def _stamps(user: User) -> dict[str, object]:
    return {
        "created_at": NOW,
        "created_by_id": user.id,
        "updated_at": NOW,
        "updated_by_id": user.id,
        "owner_id": user.id,
    }


def records(core: Opportune, user: User) -> Records:
    """Create a lead, a second lead, an account, a contact and an opportunity."""
    lead = core.leads.create(user, {"last_name": "Ng", "company": "Acme"})
    other = core.leads.create(user, {"last_name": "Ode", "company": "Bolt"})
    with core.engine.begin() as conn:
        account_id = conn.execute(
            insert(t.accounts).values(name="Acme", **_stamps(user)).returning(t.accounts.c.id)
        ).scalar_one()
        contact_id = conn.execute(
            insert(t.contacts)
            .values(last_name="Ng", account_id=account_id, **_stamps(user))
            .returning(t.contacts.c.id)
        ).scalar_one()
        stage_id = conn.execute(select(t.opportunity_stages.c.id).limit(1)).scalar_one()
        opportunity_id = conn.execute(
            insert(t.opportunities)
            .values(
                name="Acme deal",
                account_id=account_id,
                stage_id=stage_id,
                close_date=date(2026, 12, 31),
                currency_code="EUR",
                probability=10,
                forecast_category="Pipeline",
                **_stamps(user),
            )
            .returning(t.opportunities.c.id)
        ).scalar_one()
    return Records(lead.id or 0, other.id or 0, contact_id, account_id, opportunity_id)


def activity_count(core: Opportune) -> int:
    with UnitOfWork(core.engine) as uow:
        return uow.activities.count()


def at(core: Opportune, when: datetime) -> ActivityService:
    """The activity service with its clock frozen at ``when``."""
    return ActivityService(core.engine, lambda: when)


def task(core: Opportune, actor: User, subject: str, **data: object) -> Activity:
    return core.activities.create(actor, {"kind": "task", "subject": subject, **data})


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {f.field: f.code for f in exc.value.fields}


# --- creating and reading -----------------------------------------------------------------


def test_each_kind_of_activity_is_stored_and_read_back(
    core: Opportune, admin: User, rep: User
) -> None:
    r = records(core, admin)
    new = at(core, NOW).create
    made = [
        new(
            admin,
            {
                "kind": "task",
                "subject": "Send the quote",
                "due_date": "2026-12-01",
                "priority": "High",
                "description": "With the discount",
                "owner_id": rep.id,
                "contact_id": r.contact_id,
                "opportunity_id": r.opportunity_id,
            },
        ),
        new(
            admin,
            {
                "kind": "call",
                "subject": "Intro call",
                "call_duration_minutes": "25",
                "outcome": "Wants a demo",
                "occurred_at": "2026-11-26T09:00Z",
                "description": "Spoke to the CTO",
                "lead_id": r.lead_id,
            },
        ),
        new(
            admin,
            {"kind": "note", "title": "Budget", "body": "Q1 money", "account_id": r.account_id},
        ),
    ]
    stored = [core.activities.get(admin, a.id or 0) for a in made]
    assert stored == made
    task_, call, note = stored
    assert (task_.kind, task_.status, task_.priority, task_.owner_id) == (
        ActivityKind.TASK,
        "Open",
        "High",
        rep.id,
    )
    assert (task_.due_date, task_.contact_id, task_.opportunity_id) == (
        date(2026, 12, 1),
        r.contact_id,
        r.opportunity_id,
    )
    assert (call.kind, call.call_duration_minutes, call.occurred_at, call.lead_id) == (
        ActivityKind.CALL,
        25,
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
        r.lead_id,
    )
    assert (note.kind, note.title, note.body, note.owner_id) == (
        ActivityKind.NOTE,
        "Budget",
        "Q1 money",
        admin.id,
    )
    assert (note.created_at, note.created_by_id, note.version) == (NOW, admin.id, 1)


def test_a_logged_call_without_a_moment_happened_now(core: Opportune, rep: User) -> None:
    call = at(core, NOW).create(rep, {"kind": "call", "subject": "Quick check"})
    assert core.activities.get(rep, call.id or 0).occurred_at == NOW


def test_an_unknown_activity_is_not_found(core: Opportune, rep: User) -> None:
    with pytest.raises(NotFoundError):
        core.activities.get(rep, 9999)


def test_every_bad_field_is_named_and_nothing_is_saved(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.activities.create(
            rep,
            {
                "kind": "task",
                "subject": " ",
                "due_date": "soon",
                "priority": "Urgent",
                "status": "Maybe",
            },
        )
    assert set(codes(exc)) == {"subject", "due_date", "priority", "status"}
    with pytest.raises(ValidationError) as exc:
        core.activities.create(rep, {"kind": "meeting", "subject": "x", "due_date": "soon"})
    assert set(codes(exc)) == {"kind", "due_date"}
    with pytest.raises(ValidationError) as exc:
        core.activities.create(rep, {"title": "No kind"})
    assert codes(exc) == {"kind": "REQUIRED_FIELD_MISSING"}
    with pytest.raises(ValidationError) as exc:
        core.activities.create(rep, {"kind": "note", "title": "Read-only", "version": 7})
    assert set(codes(exc)) == {"version"}
    assert activity_count(core) == 0


def test_references_to_missing_records_are_refused_naming_each_field(
    core: Opportune, rep: User
) -> None:
    with pytest.raises(ValidationError) as exc:
        task(core, rep, "Ghosts", contact_id=9999, opportunity_id=9998, owner_id=9997)
    assert codes(exc) == {
        "owner_id": "INVALID_CROSS_REFERENCE_KEY",
        "contact_id": "INVALID_CROSS_REFERENCE_KEY",
        "opportunity_id": "INVALID_CROSS_REFERENCE_KEY",
    }
    for field in ("lead_id", "account_id"):
        with pytest.raises(ValidationError) as exc:
            task(core, rep, "Ghost", **{field: 9999})
        assert codes(exc) == {field: "INVALID_CROSS_REFERENCE_KEY"}
    assert activity_count(core) == 0


def test_the_owner_must_be_an_active_user(core: Opportune, admin: User, rep: User) -> None:
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(ValidationError) as exc:
        task(core, admin, "For a leaver", owner_id=rep.id)
    assert codes(exc) == {"owner_id": "INVALID_CROSS_REFERENCE_KEY"}
    assert activity_count(core) == 0


def test_a_converted_lead_takes_no_new_activities(core: Opportune, rep: User) -> None:
    r = records(core, rep)
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == r.lead_id).values(is_converted=True))
    with pytest.raises(ValidationError) as exc:
        task(core, rep, "Too late", lead_id=r.lead_id)
    assert codes(exc) == {"lead_id": "INVALID_CROSS_REFERENCE_KEY"}
    assert activity_count(core) == 0


def test_one_person_and_one_record_and_never_a_lead_with_a_record(
    core: Opportune, rep: User
) -> None:
    r = records(core, rep)
    integrity = "FIELD_INTEGRITY_EXCEPTION"
    for data, field in (
        ({"lead_id": r.lead_id, "contact_id": r.contact_id}, "contact_id"),
        ({"account_id": r.account_id, "opportunity_id": r.opportunity_id}, "opportunity_id"),
        ({"lead_id": r.lead_id, "account_id": r.account_id}, "lead_id"),
        ({"lead_id": r.lead_id, "opportunity_id": r.opportunity_id}, "lead_id"),
    ):
        with pytest.raises(ValidationError) as exc:
            task(core, rep, "Bad mix", **data)
        assert codes(exc) == {field: integrity}
    assert activity_count(core) == 0
    assert task(core, rep, "Person only", contact_id=r.contact_id).contact_id == r.contact_id
    assert task(core, rep, "Record only", account_id=r.account_id).account_id == r.account_id
    assert task(core, rep, "Neither").lead_id is None


# --- changing -----------------------------------------------------------------------------


def test_moving_a_task_from_a_lead_to_a_contact_clears_the_lead_in_the_same_update(
    core: Opportune, rep: User
) -> None:
    r = records(core, rep)
    made = task(core, rep, "Follow up", lead_id=r.lead_id)
    with pytest.raises(ValidationError) as exc:
        core.activities.update(rep, made.id or 0, {"contact_id": r.contact_id})
    assert codes(exc) == {"contact_id": "FIELD_INTEGRITY_EXCEPTION"}
    moved = core.activities.update(
        rep, made.id or 0, {"lead_id": None, "contact_id": r.contact_id, "account_id": r.account_id}
    )
    assert (moved.lead_id, moved.contact_id, moved.account_id, moved.version) == (
        None,
        r.contact_id,
        r.account_id,
        2,
    )


def test_a_failed_update_leaves_the_activity_as_it_was(core: Opportune, rep: User) -> None:
    made = task(core, rep, "Call back", priority="Low")
    for data in (
        {"priority": "High", "due_date": "never"},
        {"priority": "High", "account_id": 9999},
        {"priority": "High", "owner_id": 9999},
        {"priority": "High", "kind": "note"},
    ):
        with pytest.raises(ValidationError):
            core.activities.update(rep, made.id or 0, data)
    after = core.activities.get(rep, made.id or 0)
    assert (after.priority, after.version) == ("Low", 1)
    assert core.activities.history(rep, made.id or 0) == []


def test_an_update_with_a_stale_version_is_refused(core: Opportune, rep: User) -> None:
    made = task(core, rep, "Call back")
    core.activities.update(rep, made.id or 0, {"subject": "Call Mei"}, expected_version=1)
    with pytest.raises(StaleRecordError):
        core.activities.update(rep, made.id or 0, {"subject": "Call Rex"}, expected_version=1)
    with pytest.raises(StaleRecordError):
        core.activities.complete(rep, made.id or 0, expected_version=1)
    after = core.activities.get(rep, made.id or 0)
    assert (after.subject, after.status, after.version) == ("Call Mei", "Open", 2)


def test_every_change_is_in_the_history_newest_first(
    core: Opportune, manager: User, rep: User
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    made = task(core, rep, "Call back")
    at(core, NOW).update(rep, made.id or 0, {"priority": "High", "due_date": "2026-12-01"})
    at(core, NOW + timedelta(hours=1)).update(manager, made.id or 0, {"owner_id": manager.id})
    history = core.activities.history(manager, made.id or 0)
    assert [(h.field, h.old_value, h.new_value, h.changed_by_id) for h in history] == [
        ("owner_id", str(rep.id), str(manager.id), manager.id),
        ("priority", "Normal", "High", rep.id),
        ("due_date", None, "2026-12-01", rep.id),
    ]
    assert {h.object_type for h in history} == {"activity"}
    with pytest.raises(NotFoundError):
        core.activities.history(rep, 9999)


# --- completing and reopening -------------------------------------------------------------


def test_completing_a_task_records_when_and_completing_it_again_changes_nothing(
    core: Opportune, rep: User
) -> None:
    made = task(core, rep, "Send the quote")
    done = at(core, NOW).complete(rep, made.id or 0)
    assert (done.status, done.completed_at, done.version) == ("Completed", NOW, 2)
    again = at(core, NOW + timedelta(days=1)).complete(rep, made.id or 0)
    stored = core.activities.get(rep, made.id or 0)
    assert again == stored == done
    history = core.activities.history(rep, made.id or 0)
    assert [(h.field, h.old_value, h.new_value) for h in history] == [
        ("completed_at", None, NOW.isoformat()),
        ("status", "Open", "Completed"),
    ]


def test_a_completed_task_is_reopened_by_setting_its_status_back_to_open(
    core: Opportune, rep: User
) -> None:
    made = task(core, rep, "Send the quote")
    core.activities.complete(rep, made.id or 0)
    reopened = core.activities.update(rep, made.id or 0, {"status": "Open"}, expected_version=2)
    stored = core.activities.get(rep, made.id or 0)
    assert (stored.status, stored.completed_at, stored.version) == ("Open", None, 3)
    assert reopened == stored
    assert core.activities.my_tasks(rep, TODAY).open == (stored,)


def test_only_a_task_can_be_completed(core: Opportune, rep: User) -> None:
    note = core.activities.create(rep, {"kind": "note", "title": "Budget"})
    with pytest.raises(ValidationError) as exc:
        core.activities.complete(rep, note.id or 0)
    assert codes(exc) == {"kind": "INVALID_OPERATION"}
    assert core.activities.get(rep, note.id or 0).version == 1
    with pytest.raises(NotFoundError):
        core.activities.complete(rep, 9999)


# --- my tasks -----------------------------------------------------------------------------


def test_my_tasks_are_the_actors_open_tasks_soonest_due_first(
    core: Opportune, manager: User, rep: User
) -> None:
    later = task(core, rep, "Later", due_date="2026-12-10")
    undated = task(core, rep, "Someday")
    soon_low = task(core, rep, "Soon, low", due_date="2026-11-28", priority="Low")
    soon_high = task(core, rep, "Soon, high", due_date="2026-11-28", priority="High")
    done = task(core, rep, "Done", due_date="2026-11-01")
    core.activities.complete(rep, done.id or 0)
    task(core, manager, "Not mine", due_date="2026-11-01")
    task(core, rep, "Assigned away", due_date="2026-11-01", owner_id=manager.id)
    core.activities.create(rep, {"kind": "call", "subject": "A call is no task"})
    core.activities.create(rep, {"kind": "note", "title": "Nor is a note"})
    mine = core.activities.my_tasks(rep, TODAY)
    assert [a.subject for a in mine.open] == [
        soon_high.subject,
        soon_low.subject,
        later.subject,
        undated.subject,
    ]
    assert mine.overdue == ()
    assert [a.subject for a in core.activities.my_tasks(manager, TODAY).open] == [
        "Not mine",
        "Assigned away",
    ]


def test_overdue_tasks_are_those_due_before_the_given_today(core: Opportune, rep: User) -> None:
    yesterday = task(core, rep, "Yesterday", due_date="2026-11-26")
    today = task(core, rep, "Today", due_date="2026-11-27")
    task(core, rep, "Undated")
    mine = core.activities.my_tasks(rep, TODAY)
    assert [a.id for a in mine.overdue] == [yesterday.id]
    a_week_on = core.activities.my_tasks(rep, TODAY + timedelta(days=7))
    assert [a.id for a in a_week_on.overdue] == [yesterday.id, today.id]
    assert core.activities.my_tasks(rep, TODAY - timedelta(days=7)).overdue == ()
    core.activities.complete(rep, yesterday.id or 0)
    assert core.activities.my_tasks(rep, TODAY).overdue == ()


def test_my_tasks_default_to_the_clocks_day(core: Opportune, rep: User) -> None:
    late = task(core, rep, "Late", due_date="2026-11-26")
    assert [a.id for a in at(core, NOW).my_tasks(rep).overdue] == [late.id]


def test_the_my_tasks_query_reads_the_owner_status_due_index(core: Opportune, rep: User) -> None:
    stmt = open_tasks_query(rep.id or 0)
    with core.engine.connect() as conn:
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = conn.exec_driver_sql(f"EXPLAIN {compiled}").all()
    assert "ix_activities_owner_status_due" in " ".join(str(row) for row in plan)


# --- related lists ------------------------------------------------------------------------


def test_each_kind_of_record_lists_its_activities_open_tasks_first_then_newest(
    core: Opportune, rep: User
) -> None:
    r = records(core, rep)
    hours = iter(range(100))

    def make(data: dict[str, object]) -> Activity:
        return at(core, NOW + timedelta(hours=next(hours))).create(rep, data)

    subjects: dict[str, list[str]] = {}
    for field in ("lead_id", "contact_id", "account_id", "opportunity_id"):
        ref = {field: getattr(r, field)}
        done = make({"kind": "task", "subject": f"{field} done", **ref})
        core.activities.complete(rep, done.id or 0)
        make({"kind": "task", "subject": f"{field} open", **ref})
        make({"kind": "call", "subject": f"{field} call", **ref})
        make({"kind": "note", "title": f"{field} note", **ref})
        subjects[field] = [f"{field} {s}" for s in ("open", "note", "call", "done")]
    make({"kind": "task", "subject": "other lead", "lead_id": r.other_lead_id})

    def listed(**record: int) -> list[str]:
        page = core.activities.for_record(rep, **record)
        assert page.next_cursor is None
        return [a.subject or a.title or "" for a in page.items]

    assert listed(lead_id=r.lead_id) == subjects["lead_id"]
    assert listed(contact_id=r.contact_id) == subjects["contact_id"]
    assert listed(account_id=r.account_id) == subjects["account_id"]
    assert listed(opportunity_id=r.opportunity_id) == subjects["opportunity_id"]


def test_a_related_list_needs_exactly_one_existing_record(core: Opportune, rep: User) -> None:
    r = records(core, rep)
    for record in ({}, {"lead_id": r.lead_id, "account_id": r.account_id}):
        with pytest.raises(ValidationError) as exc:
            core.activities.for_record(rep, **record)
        assert codes(exc) == {"record": "INVALID_QUERY"}
    with pytest.raises(NotFoundError):
        core.activities.for_record(rep, opportunity_id=9999)
    assert list(core.activities.for_record(rep, account_id=r.account_id).items) == []


def label(activity: Activity) -> str:
    return activity.subject or activity.title or ""


def walk(core: Opportune, user: User, limit: int, **record: int) -> list[list[str]]:
    """Every page of a record's activities, following the cursors, as lists of labels."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page = core.activities.for_record(user, **record, cursor=cursor, limit=limit)
        pages.append([label(a) for a in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_a_records_activities_page_open_tasks_by_due_date_then_the_rest_newest_first(
    core: Opportune, rep: User
) -> None:
    r = records(core, rep)
    hours = iter(range(100))

    def make(data: dict[str, object]) -> Activity:
        moment = NOW + timedelta(hours=next(hours))
        return at(core, moment).create(rep, {"account_id": r.account_id, **data})

    make({"kind": "task", "subject": "no due date"})
    make({"kind": "task", "subject": "due later", "due_date": "2026-12-10"})
    done = make({"kind": "task", "subject": "done", "due_date": "2026-11-01"})
    core.activities.complete(rep, done.id or 0)
    make({"kind": "call", "subject": "call"})
    make({"kind": "task", "subject": "due first", "due_date": "2026-12-01"})
    make({"kind": "note", "title": "note"})
    make({"kind": "task", "subject": "also due first", "due_date": "2026-12-01"})
    make({"kind": "note", "title": "elsewhere", "account_id": None, "lead_id": r.lead_id})

    everything = ["due first", "also due first", "due later", "no due date",
                  "note", "call", "done"]  # fmt: skip
    assert walk(core, rep, 50, account_id=r.account_id) == [everything]
    assert walk(core, rep, 3, account_id=r.account_id) == [
        everything[:3],
        everything[3:6],
        everything[6:],
    ]
    assert walk(core, rep, 4, account_id=r.account_id) == [everything[:4], everything[4:]]
    assert walk(core, rep, 1, account_id=r.account_id) == [[name] for name in everything]


def test_a_page_cursor_keeps_its_place_when_activities_are_added_before_it(
    core: Opportune, rep: User
) -> None:
    r = records(core, rep)
    first = task(core, rep, "First", due_date="2026-12-01", lead_id=r.lead_id)
    task(core, rep, "Second", due_date="2026-12-02", lead_id=r.lead_id)
    page = core.activities.for_record(rep, lead_id=r.lead_id, limit=1)
    assert [a.id for a in page.items] == [first.id]
    task(core, rep, "Earlier, added later", due_date="2026-11-30", lead_id=r.lead_id)
    core.activities.create(rep, {"kind": "note", "title": "Note", "lead_id": r.lead_id})
    rest = core.activities.for_record(rep, lead_id=r.lead_id, cursor=page.next_cursor)
    assert [label(a) for a in rest.items] == ["Second", "Note"]


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "W10", Cursor("open:someday", 1).encode(),
     Cursor("rest:2026-11-27T12:00:00", 1).encode(), Cursor("late:2026-11-27", 1).encode(),
     Cursor("open:2026-11-27", 1, backwards=True).encode(), Cursor(5, 1).encode()],
)  # fmt: skip
def test_a_forged_page_cursor_is_refused_naming_the_cursor(
    core: Opportune, rep: User, cursor: str
) -> None:
    r = records(core, rep)
    with pytest.raises(ValidationError) as exc:
        core.activities.for_record(rep, lead_id=r.lead_id, cursor=cursor)
    assert codes(exc) == {"cursor": "INVALID_CURSOR"}


def test_a_page_size_outside_the_allowed_range_is_refused(core: Opportune, rep: User) -> None:
    r = records(core, rep)
    for limit in (0, -1, 501):
        with pytest.raises(ValidationError) as exc:
            core.activities.for_record(rep, lead_id=r.lead_id, limit=limit)
        assert codes(exc) == {"limit": "NUMBER_OUTSIDE_VALID_RANGE"}
    with pytest.raises(ValidationError) as both:
        core.activities.for_record(rep, lead_id=r.lead_id, limit=0, cursor="x")
    assert codes(both) == {"limit": "NUMBER_OUTSIDE_VALID_RANGE", "cursor": "INVALID_CURSOR"}


def test_related_names_are_loaded_for_every_kind_of_record(core: Opportune, rep: User) -> None:
    r = records(core, rep)
    made = [
        task(core, rep, "A", lead_id=r.lead_id),
        task(core, rep, "B", contact_id=r.contact_id, opportunity_id=r.opportunity_id),
        task(core, rep, "C", contact_id=r.contact_id, account_id=r.account_id),
        task(core, rep, "D"),
    ]
    assert core.activities.related_names(rep, made) == {
        ("lead_id", r.lead_id): "Ng",
        ("contact_id", r.contact_id): "Ng",
        ("account_id", r.account_id): "Acme",
        ("opportunity_id", r.opportunity_id): "Acme deal",
    }
    assert core.activities.related_names(rep, []) == {}


# --- deleting -----------------------------------------------------------------------------


def test_a_rep_deletes_own_activities_but_not_someone_elses(
    core: Opportune, manager: User, rep: User
) -> None:
    mine = task(core, rep, "Mine")
    theirs = task(core, manager, "Theirs")
    assigned = task(core, manager, "Given to the rep", owner_id=rep.id)
    with pytest.raises(NotFoundError):  # on no record: only its owner (and managers) see it
        core.activities.delete(rep, theirs.id or 0)
    account = core.accounts.create(manager, {"name": "Seen by all"})
    on_account = task(core, manager, "On a public account", account_id=account.id)
    with pytest.raises(PermissionDeniedError):  # seen through the account, not the rep's
        core.activities.delete(rep, on_account.id or 0)
    core.activities.delete(manager, on_account.id or 0)
    core.activities.delete(rep, mine.id or 0)
    core.activities.delete(rep, assigned.id or 0)
    core.activities.delete(manager, theirs.id or 0)
    assert activity_count(core) == 0
    with pytest.raises(NotFoundError):
        core.activities.delete(rep, mine.id or 0)


def test_a_manager_and_an_admin_delete_anyones_activities(
    core: Opportune, admin: User, manager: User, rep: User
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    first = task(core, rep, "One")
    second = core.activities.create(rep, {"kind": "note", "title": "Two"})
    core.activities.delete(manager, first.id or 0)
    core.activities.delete(admin, second.id or 0)
    assert activity_count(core) == 0
