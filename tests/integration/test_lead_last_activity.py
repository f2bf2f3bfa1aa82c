"""A lead remembers when it was last given an activity (``leads.last_activity_at``): logging
a task, call or note on it, or completing a task on it, sets the moment; the migration that
adds the column fills it from the activities already there. On every database engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from opportune import Opportune, User
from opportune.db import migrate
from opportune.db import tables as t

MAY_1 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
MAY_2 = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)
MAY_20 = datetime(2025, 5, 20, 16, 30, tzinfo=UTC)
JUNE_1 = datetime(2025, 6, 1, 8, 15, tzinfo=UTC)


class Clock:
    """A clock the test sets by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(core: Opportune) -> Clock:
    """The clock of the lead and activity services."""
    controlled = Clock(MAY_1)
    core.leads.clock = controlled
    core.activities.clock = controlled
    return controlled


def new_lead(core: Opportune, actor: User, name: str) -> int:
    lead = core.leads.create(actor, {"last_name": name, "company": f"{name} Ltd"})
    assert lead.id is not None
    return lead.id


def touch_of(core: Opportune, lead_id: int) -> tuple[datetime | None, datetime, int]:
    """The lead's last activity, when it was last updated, and its version."""
    c = t.leads.c
    stmt = select(c.last_activity_at, c.updated_at, c.version).where(c.id == lead_id)
    with core.engine.connect() as conn:
        found = conn.execute(stmt).one()
    return found[0], found[1], found[2]


def test_logging_a_call_or_note_on_a_lead_records_the_moment_without_editing_the_lead(
    core: Opportune, rep: User, clock: Clock
) -> None:
    lead_id = new_lead(core, rep, "Ng")
    assert touch_of(core, lead_id) == (None, MAY_1, 1)
    clock.now = MAY_20
    core.activities.create(rep, {"kind": "call", "subject": "Intro", "lead_id": lead_id})
    # The lead's own version and update stamp stay: nobody's open edit becomes stale.
    assert touch_of(core, lead_id) == (MAY_20, MAY_1, 1)
    clock.now = JUNE_1
    core.activities.create(rep, {"kind": "note", "title": "Budget", "lead_id": lead_id})
    assert touch_of(core, lead_id)[0] == JUNE_1


def test_completing_a_task_on_a_lead_records_when_it_was_completed(
    core: Opportune, rep: User, clock: Clock
) -> None:
    first, second = new_lead(core, rep, "Ng"), new_lead(core, rep, "Ito")
    clock.now = MAY_2
    done = core.activities.create(rep, {"kind": "task", "subject": "Demo", "lead_id": first})
    edited = core.activities.create(rep, {"kind": "task", "subject": "Call", "lead_id": second})
    clock.now = MAY_20
    core.activities.complete(rep, done.id or 0)
    assert touch_of(core, first)[0] == MAY_20
    clock.now = JUNE_1
    # Completed by setting its status, as the edit form does.
    core.activities.update(rep, edited.id or 0, {"status": "Completed"})
    assert touch_of(core, second)[0] == JUNE_1


def test_editing_a_task_without_completing_it_leaves_the_last_activity_alone(
    core: Opportune, rep: User, clock: Clock
) -> None:
    lead_id = new_lead(core, rep, "Ng")
    clock.now = MAY_2
    task = core.activities.create(rep, {"kind": "task", "subject": "Demo", "lead_id": lead_id})
    clock.now = MAY_20
    core.activities.update(rep, task.id or 0, {"subject": "Demo, take two"})
    assert touch_of(core, lead_id)[0] == MAY_2


def test_an_activity_logged_with_an_earlier_clock_keeps_the_later_moment(
    core: Opportune, rep: User, clock: Clock
) -> None:
    lead_id = new_lead(core, rep, "Ng")
    clock.now = JUNE_1
    core.activities.create(rep, {"kind": "call", "subject": "Later", "lead_id": lead_id})
    clock.now = MAY_20  # another server whose clock is behind
    core.activities.create(rep, {"kind": "call", "subject": "Earlier", "lead_id": lead_id})
    assert touch_of(core, lead_id)[0] == JUNE_1


def test_an_activity_on_another_record_touches_no_lead(
    core: Opportune, rep: User, clock: Clock
) -> None:
    lead_id = new_lead(core, rep, "Ng")
    account = core.accounts.create(rep, {"name": "Acme"})
    clock.now = MAY_20
    core.activities.create(rep, {"kind": "call", "subject": "Intro", "account_id": account.id})
    assert touch_of(core, lead_id)[0] is None


def test_the_migration_fills_in_the_latest_activity_of_every_lead(
    core: Opportune, rep: User, clock: Clock
) -> None:
    tasked, silent, called = (new_lead(core, rep, n) for n in ("Ng", "Ito", "Diaz"))
    clock.now = MAY_1
    core.activities.create(rep, {"kind": "note", "title": "Met", "lead_id": tasked})
    clock.now = MAY_2
    task = core.activities.create(rep, {"kind": "task", "subject": "Demo", "lead_id": tasked})
    clock.now = MAY_20
    core.activities.complete(rep, task.id or 0)
    clock.now = JUNE_1
    core.activities.create(rep, {"kind": "call", "subject": "Intro", "lead_id": called})
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).values(last_activity_at=None))
    migrate.downgrade(core.engine, "0005")
    migrate.upgrade(core.engine)
    # Ng: a note (May 1) and a task made May 2, completed May 20: the latest is May 20.
    assert touch_of(core, tasked)[0] == MAY_20
    assert touch_of(core, silent)[0] is None
    assert touch_of(core, called)[0] == JUNE_1
