"""The reports benchmark's data generator (bench/report_data.py) at a tiny scale, on every
database engine: the data is what the benchmark claims to time, and consistent enough that
every report has something true to add up."""

from __future__ import annotations

import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from bench.report_data import ADMIN_EMAIL, DataSpec, LoadStats, generate
from sqlalchemy import Connection, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url

from opportune import LeadFilters, Opportune
from opportune.db import tables as t
from tests.conftest import ENGINES, PG_URL, make_settings, pg_url_for

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SPEC = DataSpec(leads=2_000, opportunities=400, now=NOW)


@dataclass(frozen=True)
class Loaded:
    """An installation filled by the generator, and what the generator said it wrote."""

    core: Opportune
    stats: LoadStats


def _pg_admin(sql: str) -> None:
    url = make_url(PG_URL).set(database="postgres")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture(scope="module", params=ENGINES)
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Loaded]:
    """One generated data set per engine, shared by this module's tests (they only read)."""
    folder = tmp_path_factory.mktemp("bench-reports")
    name = ""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, folder / "bench.db")
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        template_name: str = request.getfixturevalue("pg_template")
        name = f"opp_bench_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        url = pg_url_for(name)
    core = Opportune(make_settings(url, folder))
    try:
        yield Loaded(core, generate(core, SPEC))
    finally:
        core.close()
        if name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_data_set_has_the_rows_asked_for_and_the_generator_counts_them(
    loaded: Loaded,
) -> None:
    with loaded.core.engine.connect() as conn:
        counts = {table.name: _count(conn, table) for table in (
            t.users, t.leads, t.opportunities, t.accounts, t.contacts, t.lead_conversions,
            t.opportunity_history, t.opportunity_stage_periods)}  # fmt: skip
    assert counts["users"] == 20
    assert counts["leads"] == 2_000
    assert counts["opportunities"] == 400
    assert counts["accounts"] == 80  # one per five opportunities: 400 / 5
    # Two to six snapshots per opportunity, and one stay per snapshot.
    assert 2 * 400 <= counts["opportunity_history"] <= 6 * 400
    assert counts["opportunity_stage_periods"] == counts["opportunity_history"]
    assert {k: v for k, v in counts.items() if k != "users"} == loaded.stats.rows


def test_every_opportunity_has_exactly_one_open_stay_in_its_current_stage(
    loaded: Loaded,
) -> None:
    p, o = t.opportunity_stage_periods, t.opportunities
    with loaded.core.engine.connect() as conn:
        open_stays = conn.execute(
            select(p.c.opportunity_id, func.count(), func.max(p.c.stage_id))
            .where(p.c.left_at.is_(None))
            .group_by(p.c.opportunity_id)
        ).all()
        stages = dict(conn.execute(select(o.c.id, o.c.stage_id)).all())
    assert len(open_stays) == 400
    assert all(count == 1 for _opp, count, _stage in open_stays)
    assert all(stages[opp] == stage for opp, _count, stage in open_stays)


def test_each_stay_ends_when_the_next_begins_and_counts_its_days_between(
    loaded: Loaded,
) -> None:
    p = t.opportunity_stage_periods
    with loaded.core.engine.connect() as conn:
        rows = conn.execute(select(p).order_by(p.c.opportunity_id, p.c.entered_at)).all()
    stays = defaultdict(list)
    for row in rows:
        stays[row.opportunity_id].append(row)
    for history in stays.values():
        for stay, following in pairwise(history):
            assert stay.left_at == following.entered_at
            # e.g. entered 09:00, left 21:00 two days later: 2.5 days.
            assert stay.days == pytest.approx((stay.left_at - stay.entered_at) / timedelta(days=1))
        assert history[-1].left_at is None
        assert history[-1].days is None


def test_history_moves_forward_through_the_stages_and_ends_in_the_current_one(
    loaded: Loaded,
) -> None:
    h, s, o = t.opportunity_history, t.opportunity_stages, t.opportunities
    with loaded.core.engine.connect() as conn:
        order = dict(conn.execute(select(s.c.id, s.c.sort_order)).all())
        lost = conn.execute(select(s.c.id).where(s.c.is_closed, ~s.c.is_won)).scalar_one()
        current = dict(conn.execute(select(o.c.id, o.c.stage_id)).all())
        rows = conn.execute(
            select(h.c.opportunity_id, h.c.stage_id).order_by(h.c.opportunity_id, h.c.changed_at)
        ).all()
    paths = defaultdict(list)
    for opp, stage in rows:
        paths[opp].append(stage)
    for opp, path in paths.items():
        assert 2 <= len(path) <= 6
        assert path[-1] == current[opp]
        # Forward only; a reopened deal went to lost and back to the stage it left, so
        # without the lost stage its path still only moves forward.
        forward = [stage for stage in path if stage != lost]
        assert forward == sorted(forward, key=order.__getitem__)
        assert path.count(lost) <= 1


def test_opportunities_agree_with_their_stage_and_lost_ones_have_a_reason(
    loaded: Loaded,
) -> None:
    o, s = t.opportunities, t.opportunity_stages
    with loaded.core.engine.connect() as conn:
        rows = conn.execute(
            select(o, s.c.is_closed.label("stage_closed"), s.c.is_won.label("stage_won"),
                   s.c.probability.label("stage_probability"),
                   s.c.forecast_category.label("stage_category"))
            .join(s, s.c.id == o.c.stage_id)
        ).all()  # fmt: skip
    for row in rows:
        assert (row.is_closed, row.is_won) == (row.stage_closed, row.stage_won)
        assert row.probability == row.stage_probability
        assert (row.lost_reason_id is not None) == (row.is_closed and not row.is_won)
        if row.is_closed:
            assert row.forecast_category == row.stage_category
        assert row.created_at.date() <= row.close_date
        assert NOW.date() - timedelta(days=3 * 365) <= row.close_date
        assert row.close_date <= NOW.date() + timedelta(days=365)
    won = [r for r in rows if r.is_won]
    assert won, "some opportunities are won"
    assert any(not r.is_closed for r in rows), "some are still open"


def test_converted_leads_have_one_conversion_in_force_pointing_where_the_lead_does(
    loaded: Loaded,
) -> None:
    lead, c = t.leads, t.lead_conversions
    with loaded.core.engine.connect() as conn:
        converted = {r.id: r for r in conn.execute(select(lead).where(lead.c.is_converted)).all()}
        in_force = conn.execute(select(c).where(c.c.undone_at.is_(None))).all()
        undone = conn.execute(select(c.c.lead_id).where(c.c.undone_at.is_not(None))).scalars()
        undone_leads = conn.execute(
            select(lead.c.is_converted).where(lead.c.id.in_(list(undone)))
        ).scalars()
        assert not any(undone_leads), "a lead whose conversion was undone is not converted"
    assert sorted(r.lead_id for r in in_force) == sorted(converted)
    # About 15 % of 2,000 leads convert: 300, give or take the draw.
    assert 240 <= len(converted) <= 360
    for record in in_force:
        lead_row = converted[record.lead_id]
        assert lead_row.converted_opportunity_id == record.opportunity_id
        assert lead_row.converted_account_id == record.account_id
        assert lead_row.converted_date == record.converted_at.date()
        assert lead_row.created_at <= record.converted_at
    without = [r for r in in_force if r.opportunity_id is None]
    assert 0 < len(without) < len(in_force) / 2, "most, not all, conversions made a deal"


def test_leads_cover_every_source_and_status_and_half_were_touched(loaded: Loaded) -> None:
    lead = t.leads
    with loaded.core.engine.connect() as conn:
        statuses = set(conn.execute(select(t.lead_statuses.c.id)).scalars())
        sources = set(conn.execute(select(t.lead_sources.c.id)).scalars())
        used = conn.execute(select(lead.c.status_id, lead.c.source_id, lead.c.close_reason_id,
                                   t.lead_statuses.c.is_closed, t.lead_statuses.c.is_converted,
                                   lead.c.last_activity_at, lead.c.created_at)
                            .join(t.lead_statuses)).all()  # fmt: skip
    assert {r.status_id for r in used} == statuses
    assert {r.source_id for r in used} == sources | {None}
    for row in used:
        closed_not_converted = row.is_closed and not row.is_converted
        assert (row.close_reason_id is not None) == closed_not_converted
    touched = sum(r.last_activity_at is not None for r in used)
    assert 800 <= touched <= 1_200  # about half of 2,000
    oldest = min(r.created_at for r in used)
    assert NOW - timedelta(days=3 * 365) <= oldest < NOW - timedelta(days=3 * 365 - 2)


def test_the_admin_can_sign_in_and_search_finds_generated_leads(loaded: Loaded) -> None:
    core = loaded.core
    admin = core.users.get_by_email(ADMIN_EMAIL)
    assert core.auth.authenticate(ADMIN_EMAIL, "bench-password-1").id == admin.id
    with core.engine.connect() as conn:
        expected = set(conn.execute(
            select(t.leads.c.id).where(t.leads.c.last_name.like("%Lead123%"),
                                       t.leads.c.merged_into_id.is_(None))).scalars())  # fmt: skip
    # Lead123 and Lead1230 to Lead1239: eleven leads, less any merged away.
    assert 9 <= len(expected) <= 11
    page = core.leads.list(admin, LeadFilters(q="Lead123", include_converted=True))
    assert {lead.id for lead in page.page.items} == expected


def test_dates_fall_in_the_three_years_before_now(loaded: Loaded) -> None:
    with loaded.core.engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(t.leads.c.created_at), func.max(t.leads.c.created_at))
        ).one()
    assert isinstance(first, datetime)
    assert first.tzinfo is UTC
    # Three years of 365 days before 2026-11-28 is 2023-11-29 (2024 has a 29 February).
    assert first.date() >= date(2023, 11, 29)
    assert last < NOW
