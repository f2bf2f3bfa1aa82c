"""Every stay of an opportunity in a stage is recorded, whichever path moves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from opportune import Opportune, User
from opportune.db import migrate
from opportune.db import tables as t
from opportune.db.engine import make_engine
from tests.conftest import add_user, make_settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONVERTED = {"converted_status": "Closed - Converted"}
Stay = tuple[str, bool, datetime, datetime | None, float | None]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Opportune]:
    """An installation whose every service reads the test's clock."""
    core = Opportune(make_settings(database_url, tmp_path), clock=clock)
    yield core
    core.close()


@pytest.fixture
def rep(app: Opportune) -> User:
    return add_user(app, "Rae Rep", "admin")


@pytest.fixture
def account(app: Opportune, rep: User) -> int:
    created = app.accounts.create(rep, {"name": "Acme"})
    assert created.id is not None
    return created.id


def stays(app: Opportune, opportunity_id: int) -> list[Stay]:
    """The opportunity's stays, oldest first: stage label, closed stage, from, to, days."""
    p, s = t.opportunity_stage_periods.c, t.opportunity_stages.c
    stmt = (
        select(s.label, p.is_closed_stage, p.entered_at, p.left_at, p.days)
        .join(t.opportunity_stages, s.id == p.stage_id)
        .where(p.opportunity_id == opportunity_id)
        .order_by(p.entered_at, p.id)
    )
    with app.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(stmt)]  # type: ignore[misc]


def opportunity_ids(app: Opportune) -> list[int]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(t.opportunities.c.id).order_by("id")).scalars())


def stay_count(app: Opportune) -> int:
    with app.engine.connect() as conn:
        return len(conn.execute(select(t.opportunity_stage_periods.c.id)).all())


def create(app: Opportune, rep: User, account: int, **data: Any) -> int:
    values = {"name": "Deal", "account_id": account, "close_date": "2026-06-30", **data}
    opp = app.opportunities.create(rep, values)
    assert opp.id is not None
    return opp.id


def at(**delta: float) -> datetime:
    return START + timedelta(**delta)


# --- the service: create, move, change, close, reopen, delete ---------------------------------


def test_creating_an_opportunity_opens_its_first_stay(
    app: Opportune, rep: User, account: int
) -> None:
    opp = create(app, rep, account)
    assert stays(app, opp) == [("Prospecting", False, START, None, None)]


def test_a_stage_move_ends_the_stay_with_its_days_and_opens_the_next(
    app: Opportune, rep: User, account: int, clock: Clock
) -> None:
    opp = create(app, rep, account)
    clock.advance(days=2, hours=6)
    app.opportunities.update(rep, opp, {"stage": "Qualification"})
    assert stays(app, opp) == [
        ("Prospecting", False, START, at(days=2, hours=6), 2.25),  # 2 days 6 hours = 2.25
        ("Qualification", False, at(days=2, hours=6), None, None),
    ]


def test_amount_probability_and_close_date_changes_keep_the_stay(
    app: Opportune, rep: User, account: int, clock: Clock
) -> None:
    opp = create(app, rep, account)
    clock.advance(days=1)
    app.opportunities.update(
        rep, opp, {"amount": "900", "probability": 40, "close_date": "2026-07-31"}
    )
    assert stays(app, opp) == [("Prospecting", False, START, None, None)]


def test_a_board_move_with_the_cards_version_is_a_stage_move(
    app: Opportune, rep: User, account: int, clock: Clock
) -> None:
    opp = create(app, rep, account)
    clock.advance(hours=12)
    version = app.opportunities.get(rep, opp).version
    app.opportunities.update(rep, opp, {"stage": "Needs Analysis"}, expected_version=version)
    assert [(s[0], s[4]) for s in stays(app, opp)] == [
        ("Prospecting", 0.5), ("Needs Analysis", None),
    ]  # fmt: skip


def test_closing_then_reopening_records_the_closed_stay_as_closed(
    app: Opportune, rep: User, account: int, clock: Clock
) -> None:
    opp = create(app, rep, account)
    clock.advance(days=3)
    app.opportunities.update(rep, opp, {"stage": "Closed Won"})
    clock.advance(days=1, hours=12)
    app.opportunities.update(rep, opp, {"stage": "Negotiation/Review"})
    assert stays(app, opp) == [
        ("Prospecting", False, START, at(days=3), 3.0),
        ("Closed Won", True, at(days=3), at(days=4, hours=12), 1.5),
        ("Negotiation/Review", False, at(days=4, hours=12), None, None),
    ]


def test_moves_at_the_same_moment_leave_a_stay_of_zero_days(
    app: Opportune, rep: User, account: int
) -> None:
    opp = create(app, rep, account)
    app.opportunities.update(rep, opp, {"stage": "Qualification"})
    assert stays(app, opp) == [
        ("Prospecting", False, START, START, 0.0),
        ("Qualification", False, START, None, None),
    ]


def test_deleting_an_opportunity_deletes_its_stays(
    app: Opportune, rep: User, account: int, clock: Clock
) -> None:
    kept = create(app, rep, account, name="Kept")
    gone = create(app, rep, account, name="Gone")
    clock.advance(days=1)
    app.opportunities.update(rep, gone, {"stage": "Qualification"})
    app.opportunities.delete(rep, gone)
    assert stays(app, gone) == []
    assert len(stays(app, kept)) == 1


# --- imports ------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def import_opportunities(app: Opportune, rep: User, path: Path, **options: Any) -> int:
    job = app.imports.start(rep, "opportunity", path, **options)
    job = app.imports.run(job.id)
    assert job.error_count == 0
    return job.id


def test_an_import_opens_a_stay_for_each_new_opportunity_and_moves_updated_ones(
    app: Opportune, rep: User, account: int, clock: Clock, tmp_path: Path
) -> None:
    first = (
        "Name,Account,Stage,Close Date\n"
        "One,Acme,Prospecting,2026-06-30\nTwo,Acme,Closed Won,2026-06-30\n"
    )
    import_opportunities(app, rep, write(tmp_path / "a.csv", first))
    one, two = opportunity_ids(app)
    assert stays(app, one) == [("Prospecting", False, START, None, None)]
    assert stays(app, two) == [("Closed Won", True, START, None, None)]

    clock.advance(days=4)
    second = (
        "Name,Account,Stage,Close Date,Amount\n"
        "One,Acme,Qualification,2026-06-30,\nTwo,Acme,Closed Won,2026-06-30,500\n"
    )
    import_opportunities(app, rep, write(tmp_path / "b.csv", second), duplicates="update")
    assert stays(app, one) == [
        ("Prospecting", False, START, at(days=4), 4.0),
        ("Qualification", False, at(days=4), None, None),
    ]
    assert stays(app, two) == [("Closed Won", True, START, None, None)]  # amount only


def test_reverting_an_import_deletes_the_stays_of_what_it_created(
    app: Opportune, rep: User, account: int, tmp_path: Path
) -> None:
    text = "Name,Account,Close Date\nOne,Acme,2026-06-30\n"
    job_id = import_opportunities(app, rep, write(tmp_path / "a.csv", text))
    assert stay_count(app) == 1
    app.imports.revert(rep, job_id)
    assert stay_count(app) == 0


# --- conversion ---------------------------------------------------------------------------


def test_a_conversion_opens_the_new_opportunitys_first_stay_and_undo_removes_it(
    app: Opportune, rep: User, clock: Clock
) -> None:
    lead = app.leads.create(rep, {"last_name": "Ng", "company": "Initech"})
    assert lead.id is not None
    clock.advance(days=1)
    result = app.conversions.convert(rep, lead.id, CONVERTED)
    assert result.opportunity_id is not None
    assert stays(app, result.opportunity_id) == [("Prospecting", False, at(days=1), None, None)]

    app.conversions.unconvert(rep, lead.id)
    assert stay_count(app) == 0


def test_a_converted_opportunity_moves_on_like_any_other(
    app: Opportune, rep: User, clock: Clock
) -> None:
    lead = app.leads.create(rep, {"last_name": "Ng", "company": "Initech"})
    assert lead.id is not None
    opp = app.conversions.convert(rep, lead.id, CONVERTED).opportunity_id
    assert opp is not None
    clock.advance(days=5)
    app.opportunities.update(rep, opp, {"stage": "Closed Lost", "lost_reason": "Price"})
    assert [(s[0], s[1], s[4]) for s in stays(app, opp)] == [
        ("Prospecting", False, 5.0), ("Closed Lost", True, None),
    ]  # fmt: skip


# --- the migration's backfill from the stage history --------------------------------------


@pytest.fixture
def engine_at_0007(database_url: str) -> Iterator[Any]:
    """The test database taken back to revision 0007, before stage periods existed."""
    engine = make_engine(database_url)
    migrate.downgrade(engine, "0007")
    yield engine
    engine.dispose()


def _history(opp: int, stage: int, when: datetime, closed: bool = False) -> dict[str, Any]:
    return {"opportunity_id": opp, "stage_id": stage, "probability": 10,
            "close_date": when.date(), "forecast_category": "Pipeline", "is_closed": closed,
            "changed_by_id": 1, "changed_at": when}  # fmt: skip


def _seed_0007(engine: Any) -> dict[str, int]:
    """A user, an account, three opportunities (one without history) and stage ids."""
    now = START
    stamps = {"created_at": now, "created_by_id": 1, "updated_at": now, "updated_by_id": 1}
    with engine.begin() as conn:
        conn.execute(insert(t.users).values(id=1, name="U", email="u@example.com", role="admin",
                                            password_hash="x", created_at=now))  # fmt: skip
        conn.execute(insert(t.accounts).values(id=1, name="Acme", owner_id=1, **stamps))
        st = t.opportunity_stages.c
        stages = {row.label: row.id for row in conn.execute(select(st.label, st.id))}
        for opp in (1, 2, 3):
            conn.execute(insert(t.opportunities).values(
                id=opp, name=f"D{opp}", account_id=1, stage_id=stages["Prospecting"],
                close_date=now.date(), currency_code="USD", probability=10,
                forecast_category="Pipeline", owner_id=1, **stamps))  # fmt: skip
    return {label: int(i) for label, i in stages.items()}


def test_the_migration_backfills_stays_from_the_stage_history(engine_at_0007: Any) -> None:
    engine = engine_at_0007
    st = _seed_0007(engine)
    prospecting, qualification, won = st["Prospecting"], st["Qualification"], st["Closed Won"]
    rows = [
        # Opportunity 1: Prospecting, an amount change (same stage: the same stay),
        # Qualification, Prospecting again, then won.
        _history(1, prospecting, at()), _history(1, prospecting, at(days=1)),
        _history(1, qualification, at(days=2, hours=12)), _history(1, prospecting, at(days=3)),
        _history(1, won, at(days=7), closed=True),
        # Opportunity 2: only its creation.
        _history(2, qualification, at(hours=6)),
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(t.opportunity_history), rows)
    migrate.upgrade(engine)

    p = t.opportunity_stage_periods.c
    stmt = select(p.opportunity_id, p.stage_id, p.is_closed_stage, p.entered_at, p.left_at,
                  p.days).order_by(p.opportunity_id, p.entered_at)  # fmt: skip
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(stmt)]
    assert found == [
        (1, prospecting, False, at(), at(days=2, hours=12), 2.5),
        (1, qualification, False, at(days=2, hours=12), at(days=3), 0.5),
        (1, prospecting, False, at(days=3), at(days=7), 4.0),
        (1, won, True, at(days=7), None, None),
        (2, qualification, False, at(hours=6), None, None),
        # Opportunity 3 had no history: one stay in its stage since it was created.
        (3, prospecting, False, START, None, None),
    ]


def test_the_backfill_of_an_empty_database_adds_no_stays(engine_at_0007: Any) -> None:
    migrate.upgrade(engine_at_0007)
    with engine_at_0007.connect() as conn:
        assert conn.execute(select(t.opportunity_stage_periods.c.id)).all() == []
