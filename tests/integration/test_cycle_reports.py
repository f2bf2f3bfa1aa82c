"""The sales-cycle and time-in-stage reports on hand-built data, on every database engine.

A fixed clock moves between steps, so every duration is exact and worked out by hand in
each test; the lists the report drills to show as many records as the numbers say.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from opportune import Opportune, User
from opportune.domain.reports.model import Drill, ReportRequest, ReportResult
from opportune.services.opportunities import OpportunityFilters
from tests.conftest import add_user, make_settings

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONVERTED = {"converted_status": "Closed - Converted"}
DATE_FILTERS = ("close_from", "close_to", "created_from", "created_to", "stage_entered_to")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, **delta: float) -> None:
        self.now = START + timedelta(**delta)


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
    return add_user(app, "Rae Rep", "rep")


@pytest.fixture
def manager(app: Opportune, rep: User) -> User:
    """The rep's manager, who moves the rep's opportunities along."""
    boss = add_user(app, "Max Manager", "manager")
    app.users.update(None, rep.id or 0, {"manager_id": boss.id})
    return boss


@pytest.fixture
def account(app: Opportune, manager: User) -> int:
    created = app.accounts.create(manager, {"name": "Acme"})
    assert created.id is not None
    return created.id


def d(text: str) -> Decimal:
    return Decimal(text)


def run(app: Opportune, user: User, name: str, **request: Any) -> ReportResult:
    return app.reports.run(user, name, ReportRequest(**request))


def rows(report: ReportResult, *keys: str) -> list[tuple[object, ...]]:
    """The report's rows (then its totals) as tuples of the values of ``keys``."""
    found = [tuple(r.values[k] for k in keys) for r in report.rows]
    if report.totals is not None:
        found.append(tuple(report.totals.values[k] for k in keys))
    return found


def listed(app: Opportune, user: User, drill: Drill) -> int:
    """How many opportunities the list a report drills to shows."""
    assert drill.records == "opportunities"
    values: dict[str, Any] = dict(drill.filters)
    for name in DATE_FILTERS:
        if name in values:
            values[name] = date.fromisoformat(values[name])
    page = app.opportunities.list(user, OpportunityFilters(**values, with_total=True)).page
    assert page.total is not None
    return page.total


def create(app: Opportune, owner: User, account: int, name: str, **data: Any) -> int:
    values = {"name": name, "account_id": account, "close_date": "2026-06-30",
              "owner_id": owner.id, **data}  # fmt: skip
    opp = app.opportunities.create(owner, values)
    assert opp.id is not None
    return opp.id


def move(app: Opportune, user: User, opp: int, stage: str, **data: Any) -> None:
    if stage == "Closed Lost":
        data.setdefault("lost_reason", "Price")
    app.opportunities.update(user, opp, {"stage": stage, **data})


def convert(app: Opportune, owner: User, company: str) -> tuple[int, int]:
    """A lead of ``owner`` from a partner, converted now: (lead id, opportunity id)."""
    lead = app.leads.create(
        owner, {"last_name": "Ng", "company": company, "lead_source": "Partner Referral"}
    )
    assert lead.id is not None
    result = app.conversions.convert(owner, lead.id, CONVERTED)
    assert result.opportunity_id is not None
    return lead.id, result.opportunity_id


# --- sales cycle ------------------------------------------------------------------------------


@pytest.fixture
def deals(app: Opportune, rep: User, manager: User, account: int, clock: Clock) -> dict[str, int]:
    """Won opportunities, with days from creation (and from their lead) to the close date.

    ====  =======  =======  =======  ======  ====  =========
    name  owner    source   created  closes  days  from lead
    ====  =======  =======  =======  ======  ====  =========
    A     rep      Web      01-05    01-15   10    -
    B     rep      -        01-05    01-26   21    -
    I     rep      -        01-05    02-04   30    -
    C     manager  Web      01-10    02-09   30    -
    D     manager  Partner  01-10    02-22   43    48 (lead created 01-05)
    J     manager  Partner  01-10    01-30   20    25 (lead created 01-05)
    ====  =======  =======  =======  ======  ====  =========

    Left out: E was won (closing 01-20) and reopened; G was lost.
    """
    web = {"lead_source": "Web"}
    ids = {name: create(app, rep, account, name, **(web if name in "AE" else {}))
           for name in "ABIEG"}  # fmt: skip
    leads = {
        name: app.leads.create(manager, {"last_name": name, "company": f"Co {name}",
                                         "lead_source": "Partner Referral"}).id
        for name in ("D", "J")
    }  # fmt: skip
    clock.at(days=5)
    ids["C"] = create(app, manager, account, "C", lead_source="Web")
    for name, lead_id in leads.items():
        assert lead_id is not None
        ids[name] = app.conversions.convert(manager, lead_id, CONVERTED).opportunity_id or 0
    clock.at(days=6)
    for name, closes in (("A", "01-15"), ("B", "01-26"), ("I", "02-04"), ("C", "02-09"),
                         ("D", "02-22"), ("J", "01-30"), ("E", "01-20")):  # fmt: skip
        move(app, manager, ids[name], "Closed Won", close_date=f"2026-{closes}")
    move(app, manager, ids["G"], "Closed Lost", close_date="2026-01-18")
    clock.at(days=7)
    move(app, manager, ids["E"], "Negotiation/Review")
    return ids


CYCLE = ("won", "average_days", "median_days", "from_lead", "lead_average_days",
         "lead_median_days")  # fmt: skip


def test_the_sales_cycle_by_month_counts_days_from_creation_and_from_the_lead(
    app: Opportune, manager: User, deals: dict[str, int]
) -> None:
    report = run(app, manager, "sales-cycle")
    assert rows(report, "period", *CYCLE) == [
        # January: A 10, J 20, B 21 -> 51 / 3 = 17.0, median 20; J from its lead: 25.
        ("Jan 2026", 3, d("17.0"), d("20.0"), 1, d("25.0"), d("25.0")),
        # February: I 30, C 30, D 43 -> 103 / 3 = 34.33, median 30; D from its lead: 48.
        ("Feb 2026", 3, d("34.3"), d("30.0"), 1, d("48.0"), d("48.0")),
        # All six: 154 / 6 = 25.67; an even count, median (21 + 30) / 2 = 25.5;
        # from leads 25 and 48: (25 + 48) / 2 = 36.5 both ways.
        ("Total", 6, d("25.7"), d("25.5"), 2, d("36.5"), d("36.5")),
    ]
    assert report.chart.kind == "line"


def test_the_sales_cycle_by_owner_and_by_lead_source(
    app: Opportune, manager: User, deals: dict[str, int]
) -> None:
    by_owner = run(app, manager, "sales-cycle", by="owner")
    assert rows(by_owner, "owner", *CYCLE)[:2] == [
        # C 30, D 43, J 20 -> 93 / 3 = 31.0, median 30; leads 25 and 48 -> 36.5.
        ("Max Manager", 3, d("31.0"), d("30.0"), 2, d("36.5"), d("36.5")),
        # A 10, B 21, I 30 -> 61 / 3 = 20.33, median 21; none from a lead.
        ("Rae Rep", 3, d("20.3"), d("21.0"), 0, None, None),
    ]
    by_source = run(app, manager, "sales-cycle", by="source")
    assert rows(by_source, "lead_source", "won", "average_days", "median_days")[:3] == [
        ("Web", 2, d("20.0"), d("20.0")),  # A 10, C 30
        ("Partner Referral", 2, d("31.5"), d("31.5")),  # J 20, D 43
        ("(none)", 2, d("25.5"), d("25.5")),  # B 21, I 30
    ]
    assert by_source.chart.kind == "bar"


def test_the_sales_cycle_filters_by_close_date_owner_and_source(
    app: Opportune, manager: User, rep: User, deals: dict[str, int]
) -> None:
    february = run(app, manager, "sales-cycle", date_from=date(2026, 2, 1),
                   date_to=date(2026, 2, 28))  # fmt: skip
    assert rows(february, "period", "won", "median_days") == [
        ("Feb 2026", 3, d("30.0")), ("Total", 3, d("30.0")),
    ]  # fmt: skip
    mine = run(app, manager, "sales-cycle", owner=[str(rep.id)])
    assert rows(mine, "won", "average_days")[-1] == (3, d("20.3"))  # A, B, I
    web = run(app, manager, "sales-cycle", lead_source=["Web"], by="owner")
    # A (rep, 10 days) and C (manager, 30 days).
    assert rows(web, "owner", "won", "average_days") == [
        ("Max Manager", 1, d("30.0")), ("Rae Rep", 1, d("10.0")), ("Total", 2, d("20.0")),
    ]  # fmt: skip


def test_fiscal_quarters_and_years_group_by_the_fiscal_start_month(
    app: Opportune, manager: User, deals: dict[str, int]
) -> None:
    app.reports.settings.fiscal_year_start_month = 2
    # A year from February 2025 to January 2026 is FY2026: January is its fourth quarter
    # (November to January); February 2026 starts FY2027.
    quarters = run(app, manager, "sales-cycle", period="quarter")
    assert rows(quarters, "period", "won", "average_days") == [
        ("FY2026 Q4", 3, d("17.0")), ("FY2027 Q1", 3, d("34.3")), ("Total", 6, d("25.7")),
    ]  # fmt: skip
    assert quarters.rows[1].drills["won"].filters == {
        "state": "won", "close_from": "2026-02-01", "close_to": "2026-04-30",
    }  # fmt: skip
    years = run(app, manager, "sales-cycle", period="year")
    assert rows(years, "period", "won")[:2] == [("FY2026", 3), ("FY2027", 3)]


def test_each_sales_cycle_count_drills_to_a_list_of_as_many_won_opportunities(
    app: Opportune, manager: User, deals: dict[str, int]
) -> None:
    report = run(app, manager, "sales-cycle", by="owner", date_to=date(2026, 1, 31))
    assert report.totals is not None
    for row in (*report.rows, report.totals):
        assert listed(app, manager, row.drills["won"]) == row.values["won"]
    assert report.totals.values["won"] == 3  # A, J, B close in January


def test_an_undone_conversion_no_longer_counts_from_the_lead(
    app: Opportune, manager: User, clock: Clock
) -> None:
    lead_id, opp = convert(app, manager, "Initech")
    clock.at(days=1)
    move(app, manager, opp, "Closed Won", close_date="2026-01-15")
    # The opportunity changed since, so undoing keeps it; it no longer came from a lead.
    app.conversions.unconvert(manager, lead_id, force=True)
    report = run(app, manager, "sales-cycle")
    assert rows(report, *CYCLE)[-1] == (1, d("10.0"), d("10.0"), 0, None, None)


def test_reports_on_no_data_have_no_rows_or_zero_rows(app: Opportune, manager: User) -> None:
    cycle = run(app, manager, "sales-cycle")
    assert cycle.rows == ()
    assert rows(cycle, *CYCLE) == [(0, None, None, 0, None, None)]
    stages = run(app, manager, "time-in-stage")
    assert len(stages.rows) == 8  # every open stage of the default pipeline
    assert {r.values["stays"] for r in stages.rows} == {0}
    assert rows(stages, "stays", "average_days", "current", "stuck")[-1] == (0, None, 0, 0)


# --- time in stage ----------------------------------------------------------------------------


@pytest.fixture
def moves(app: Opportune, rep: User, manager: User, account: int, clock: Clock) -> dict[str, int]:
    """Opportunities moving between stages (days after 01-05 09:00), seen on 01-25 09:00.

    === ================================================================================
    W   rep: Prospecting 0 -> Needs Analysis 1 (still there)
    X   rep: Prospecting 0 -> Qualification 2 -> Needs Analysis 5 (still there)
    Y   rep: Prospecting 0 -> Qualification 4 -> Closed Won 4.5 -> Qualification 6 (still)
    Z   manager: Prospecting 1 -> Qualification 2 -> Closed Lost 3
    === ================================================================================
    """
    ids = {name: create(app, rep, account, name) for name in "WXY"}
    steps = [
        (1, "Z", None), (1, "W", "Needs Analysis"), (2, "X", "Qualification"),
        (2, "Z", "Qualification"), (3, "Z", "Closed Lost"), (4, "Y", "Qualification"),
        (4.5, "Y", "Closed Won"), (5, "X", "Needs Analysis"), (6, "Y", "Qualification"),
    ]  # fmt: skip
    for day, name, stage in steps:
        clock.at(days=day)
        if stage is None:
            ids[name] = create(app, manager, account, name)
        else:
            move(app, manager, ids[name], stage)
    clock.at(days=20)
    return ids


STAGE = ("stage", "stays", "average_days", "median_days", "current", "stuck")


def test_time_in_stage_averages_the_ended_stays_of_each_open_stage(
    app: Opportune, manager: User, moves: dict[str, int]
) -> None:
    report = run(app, manager, "time-in-stage", days=16)
    assert rows(report, *STAGE)[:3] == [
        # Prospecting: W 1, X 2, Z 1, Y 4 -> 8 / 4 = 2.0; median (1 + 2) / 2 = 1.5.
        ("Prospecting", 4, d("2.0"), d("1.5"), 0, 0),
        # Qualification: Z 1, Y 0.5, X 3 -> 4.5 / 3 = 1.5, median 1.0 (Y's 1.5 days in
        # Closed Won are not a stay in an open stage). Y is back there since 01-11.
        ("Qualification", 3, d("1.5"), d("1.0"), 1, 0),
        # Needs Analysis: nobody left it; W since 01-06 and X since 01-10. Stuck for more
        # than 16 days on 01-25: entered before 01-09 began, so W.
        ("Needs Analysis", 0, None, None, 2, 1),
    ]
    # All 7 stays: 12.5 / 7 = 1.79; no median of all stays.
    assert rows(report, *STAGE)[-1] == ("Total", 7, d("1.8"), None, 3, 1)
    assert [r.values["stage"] for r in report.rows][-1] == "Negotiation/Review"  # no closed


def test_stuck_and_current_counts_drill_to_lists_of_as_many_opportunities(
    app: Opportune, manager: User, moves: dict[str, int]
) -> None:
    report = run(app, manager, "time-in-stage", days=16)
    analysis = report.rows[2]
    assert analysis.drills["stuck"].filters["stage_entered_to"] == "2026-01-08"
    assert listed(app, manager, analysis.drills["stuck"]) == 1  # W
    assert listed(app, manager, analysis.drills["current"]) == 2  # W and X
    assert report.totals is not None
    assert listed(app, manager, report.totals.drills["current"]) == 3


def test_the_date_range_keeps_stays_by_the_day_they_ended(
    app: Opportune, manager: User, moves: dict[str, int]
) -> None:
    report = run(app, manager, "time-in-stage", date_from=date(2026, 1, 8),
                 date_to=date(2026, 1, 9))  # fmt: skip
    assert rows(report, *STAGE)[:2] == [
        ("Prospecting", 1, d("4.0"), d("4.0"), 0, 0),  # Y left on 01-09
        # Z left on 01-08 after 1 day, Y on 01-09 after 0.5: 1.5 / 2 = 0.75 -> 0.8.
        ("Qualification", 2, d("0.8"), d("0.8"), 1, 0),
    ]


def test_owner_source_and_stage_filters_narrow_the_stays(
    app: Opportune, manager: User, rep: User, moves: dict[str, int]
) -> None:
    theirs = run(app, manager, "time-in-stage", owner=[str(rep.id)], days=16)
    assert rows(theirs, *STAGE)[:3] == [
        ("Prospecting", 3, d("2.3"), d("2.0"), 0, 0),  # W 1, X 2, Y 4 -> 7 / 3
        ("Qualification", 2, d("1.8"), d("1.8"), 1, 0),  # Y 0.5, X 3 -> 3.5 / 2 = 1.75
        ("Needs Analysis", 0, None, None, 2, 1),
    ]
    assert theirs.rows[2].drills["stuck"].filters["owner"] == [str(rep.id)]
    assert listed(app, manager, theirs.rows[2].drills["stuck"]) == 1
    mine = run(app, manager, "time-in-stage", owner=[str(manager.id)])
    assert rows(mine, "stays", "average_days")[-1] == (2, d("1.0"))  # Z: 1 and 1
    assert rows(run(app, manager, "time-in-stage", lead_source=["Web"]), "stays")[-1] == (0,)
    only = run(app, manager, "time-in-stage", stage=["Qualification"])
    assert rows(only, "stage", "stays", "current") == [
        ("Qualification", 3, 1), ("Total", 3, 1),
    ]  # fmt: skip


def test_renamed_and_deactivated_stages_keep_their_stays_under_the_current_label(
    app: Opportune, manager: User, moves: dict[str, int]
) -> None:
    admin = add_user(app, "Ada Admin", "admin")
    stages = {s.label: s.id for s in app.pipeline.stages()}
    app.pipeline.save_stage(admin, {"label": "Discovery"}, stages["Prospecting"])
    app.pipeline.save_stage(admin, {"is_active": False}, stages["Needs Analysis"])
    report = run(app, manager, "time-in-stage", days=16)
    assert rows(report, *STAGE)[:3] == [
        ("Discovery", 4, d("2.0"), d("1.5"), 0, 0),
        ("Qualification", 3, d("1.5"), d("1.0"), 1, 0),
        ("Needs Analysis (inactive)", 0, None, None, 2, 1),
    ]
    assert report.rows[0].drills["current"].filters["stage"] == ["Discovery"]
