"""The pipeline, forecast, win-rate and lost-reasons reports on a hand-built set of
opportunities, through the library, on every database engine.

The data set (close dates in 2026; R = Rae Rep, M = Max Manager):

    open  o1 R Web       Prospecting 10 %          1,000.00  Feb 10  Pipeline
    open  o2 R Partner   Value Proposition 50 %    2,000.00  May 20  Commit (set)
    open  o3 M Web       Value Proposition 35 %      333.33  Jul 01  Best Case (set)
    open  o4 M —         Negotiation/Review 90 %   (none)    Aug 15  Omitted (set)
    open  o5 R Web       Perception Analysis 70 %    500.00  Sep 30  Pipeline
          (the stage is renamed "Perception Review", then deactivated)
    open  o6 M Web       Needs Analysis 20 %         800.00  Mar 15  Pipeline
          (closed lost for Price first, then reopened)
    won   w1 R Web       Closed Won                5,000.00  Jan 31  Closed
    won   w2 R Partner   Closed Won                3,000.00  Apr 01  Closed
    won   w3 M Web       Closed Won                (none)    Jun 30  Closed
    lost  l1 R Web       Closed Lost, Price        1,500.00  Feb 28  Omitted
    lost  l2 M Partner   Closed Lost, Competitor     700.00  May 05  Omitted
    lost  l3 M Web       Closed Lost, no reason      100.00  Nov 30  Omitted
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from opportune import Opportune, Settings, User, ValidationError
from opportune.db import tables as t
from opportune.domain.reports.model import Drill, ReportRequest, ReportResult, ReportRow
from opportune.services.opportunities import OpportunityFilters
from tests.conftest import add_user

PARTNER = "Partner Referral"


def add_account(core: Opportune, owner: User) -> int:
    now = datetime.now(UTC)
    values = {"name": "Acme", "owner_id": owner.id, "created_at": now, "created_by_id": owner.id,
              "updated_at": now, "updated_by_id": owner.id}  # fmt: skip
    with core.engine.begin() as conn:
        return int(conn.execute(insert(t.accounts).values(values)).inserted_primary_key[0])  # type: ignore[index]


class Deals:
    """Creates opportunities on one account and remembers them by name."""

    def __init__(self, core: Opportune, actor: User) -> None:
        self.core, self.actor = core, actor
        self.account = add_account(core, actor)
        self.ids: dict[str, int] = {}

    def add(self, name: str, owner: User, stage: str, close: str, **data: object) -> int:
        values = {"name": name, "account_id": self.account, "owner_id": owner.id,
                  "stage": stage, "close_date": close, **data}  # fmt: skip
        opp = self.core.opportunities.create(self.actor, values)
        assert opp.id is not None
        self.ids[name] = opp.id
        return opp.id

    def move(self, name: str, **data: object) -> None:
        self.core.opportunities.update(self.actor, self.ids[name], data)


@pytest.fixture
def rae(core: Opportune) -> User:
    return add_user(core, "Rae Rep", "rep")


@pytest.fixture
def max_(core: Opportune) -> User:
    return add_user(core, "Max Manager", "manager")


@pytest.fixture
def deals(core: Opportune, admin: User, rae: User, max_: User) -> Deals:
    """The data set of the module docstring."""
    d = Deals(core, admin)
    d.add("o1", rae, "Prospecting", "2026-02-10", amount="1000", lead_source="Web")
    d.add("o2", rae, "Value Proposition", "2026-05-20", amount="2000", lead_source=PARTNER,
          forecast_category="Commit")  # fmt: skip
    d.add("o3", max_, "Value Proposition", "2026-07-01", amount="333.33", lead_source="Web",
          probability=35, forecast_category="Best Case")  # fmt: skip
    d.add("o4", max_, "Negotiation/Review", "2026-08-15", forecast_category="Omitted")
    d.add("o5", rae, "Perception Analysis", "2026-09-30", amount="500", lead_source="Web")
    d.add("o6", max_, "Qualification", "2026-03-15", amount="800", lead_source="Web")
    d.move("o6", stage="Closed Lost", lost_reason="Price")
    d.move("o6", stage="Needs Analysis")  # reopened: open again
    d.add("w1", rae, "Closed Won", "2026-01-31", amount="5000", lead_source="Web")
    d.add("w2", rae, "Closed Won", "2026-04-01", amount="3000", lead_source=PARTNER)
    d.add("w3", max_, "Closed Won", "2026-06-30", lead_source="Web")
    d.add("l1", rae, "Qualification", "2026-02-28", amount="1500", lead_source="Web")
    d.move("l1", stage="Closed Lost", lost_reason="Price")
    d.add("l2", max_, "Qualification", "2026-05-05", amount="700", lead_source=PARTNER)
    d.move("l2", stage="Closed Lost", lost_reason="Competitor")
    d.add("l3", max_, "Qualification", "2026-11-30", amount="100", lead_source="Web")
    d.move("l3", stage="Closed Lost", lost_reason="Other")
    # Imported or older records can be lost without a reason; the app no longer allows it.
    with core.engine.begin() as conn:
        conn.execute(update(t.opportunities).where(t.opportunities.c.id == d.ids["l3"])
                     .values(lost_reason_id=None))  # fmt: skip
    perception = next(s.id for s in core.pipeline.stages() if s.label == "Perception Analysis")
    core.pipeline.save_stage(admin, {"label": "Perception Review"}, perception)
    core.pipeline.save_stage(admin, {"is_active": False}, perception)
    return d


@pytest.fixture
def fiscal_april(core: Opportune, tmp_path: Path) -> Iterator[Opportune]:
    """Opportune on the same database with a fiscal year starting in April."""
    settings = Settings(env="test", database_url=core.settings.database_url,
                        data_dir=tmp_path / "data", fiscal_year_start_month=4)  # fmt: skip
    app = Opportune(settings)
    yield app
    app.close()


def run(core: Opportune, actor: User, name: str, **request: object) -> ReportResult:
    return core.reports.run(actor, name, ReportRequest(**request))  # type: ignore[arg-type]


def table(report: ReportResult, *keys: str) -> list[tuple[object, ...]]:
    """The report's rows as tuples of the given columns (the first column first)."""
    first = report.columns[0].key
    return [tuple(r.values[k] for k in (first, *keys)) for r in report.rows]


def row(report: ReportResult, label: str) -> ReportRow:
    first = report.columns[0].key
    return next(r for r in report.rows if r.values[first] == label)


def listed(core: Opportune, actor: User, drill: Drill) -> tuple[int, Decimal]:
    """How many opportunities the drill's list shows, and their amounts summed."""
    assert drill.records == "opportunities"
    filters: dict[str, object] = dict(drill.filters)
    for key in ("close_from", "close_to"):
        if key in filters:
            filters[key] = date.fromisoformat(str(filters[key]))
    page = core.opportunities.list(
        actor,
        OpportunityFilters(**filters, with_total=True, limit=500),  # type: ignore[arg-type]
    ).page
    assert page.total is not None
    return page.total, sum((o.amount or Decimal(0) for o in page.items), Decimal(0))


def money(value: str) -> Decimal:
    return Decimal(value)


def totals(report: ReportResult) -> Mapping[str, object]:
    assert report.totals is not None
    return report.totals.values


# --- no data ---------------------------------------------------------------------------------


def test_every_opportunity_report_answers_without_data(core: Opportune, admin: User) -> None:
    pipeline = run(core, admin, "pipeline")
    # The eight default open stages, all empty.
    assert [r.values["count"] for r in pipeline.rows] == [0] * 8
    assert totals(pipeline)["amount"] == money("0.00")
    assert run(core, admin, "forecast").rows == ()
    for by in ("owner", "source", "period"):
        report = run(core, admin, "win-rate", by=by)
        assert report.rows == ()
        assert (totals(report)["closed"], totals(report)["win_rate"]) == (0, None)
    lost = run(core, admin, "lost-reasons")
    assert {r.values["count"] for r in lost.rows} == {0}
    assert len(lost.rows) == 7  # the seven default lost reasons


# --- pipeline --------------------------------------------------------------------------------


def test_the_pipeline_counts_open_opportunities_per_stage_with_expected_revenue(
    core: Opportune, admin: User, deals: Deals
) -> None:
    report = run(core, admin, "pipeline")
    assert table(report, "count", "amount", "expected_revenue") == [
        ("Prospecting", 1, money("1000.00"), money("100.00")),  # o1: 1000 * 10 %
        ("Qualification", 0, money("0.00"), money("0.00")),
        ("Needs Analysis", 1, money("800.00"), money("160.00")),  # o6 reopened: 800 * 20 %
        # o2 2000 * 50 % = 1000; o3 333.33 * 35 % = 116.6655 -> 116.67; 1116.67 in all.
        ("Value Proposition", 2, money("2333.33"), money("1116.67")),
        ("Id. Decision Makers", 0, money("0.00"), money("0.00")),
        # Renamed, then deactivated: the new label, still shown while o5 is on it.
        ("Perception Review (inactive)", 1, money("500.00"), money("350.00")),  # 500 * 70 %
        ("Proposal/Price Quote", 0, money("0.00"), money("0.00")),
        ("Negotiation/Review", 1, money("0.00"), money("0.00")),  # o4 has no amount
    ]
    # 6 open; 1000 + 800 + 2333.33 + 500 = 4633.33; 100 + 160 + 1116.67 + 350 = 1726.67.
    assert (totals(report)["count"], totals(report)["amount"]) == (6, money("4633.33"))
    assert totals(report)["expected_revenue"] == money("1726.67")


def test_the_pipeline_filters_by_owner_source_stage_and_close_date(
    core: Opportune, admin: User, rae: User, deals: Deals
) -> None:
    mine = run(core, admin, "pipeline", owner=[rae.email])
    # Rae's open ones: o1, o2, o5 = 1000 + 2000 + 500; expected 100 + 1000 + 350.
    assert (totals(mine)["count"], totals(mine)["amount"]) == (3, money("3500.00"))
    assert totals(mine)["expected_revenue"] == money("1450.00")
    web_later = run(core, admin, "pipeline", lead_source=["Web"], date_from=date(2026, 3, 1),
                    date_to=date(2026, 12, 31))  # fmt: skip
    # Web and closing from March: o6 (Mar 15), o3 (Jul 1), o5 (Sep 30); o1 closes in February.
    assert [(r[0], r[1]) for r in table(web_later, "count") if r[1]] == [
        ("Needs Analysis", 1), ("Value Proposition", 1), ("Perception Review (inactive)", 1),
    ]  # fmt: skip
    one_stage = run(core, admin, "pipeline", stage=["value proposition"])
    assert table(one_stage, "count") == [("Value Proposition", 2)]


def test_a_pipeline_number_drills_to_exactly_the_opportunities_behind_it(
    core: Opportune, admin: User, rae: User, deals: Deals
) -> None:
    report = run(core, admin, "pipeline", owner=[rae.email], lead_source=["Web"])
    cell = row(report, "Perception Review (inactive)")
    assert listed(core, admin, cell.drills["count"]) == (1, money("500.00"))
    full = run(core, admin, "pipeline")
    value_proposition = row(full, "Value Proposition")
    assert listed(core, admin, value_proposition.drills["amount"]) == (2, money("2333.33"))
    assert full.totals is not None
    assert listed(core, admin, full.totals.drills["count"])[0] == 6


# --- forecast --------------------------------------------------------------------------------


def test_the_forecast_sums_amounts_by_category_per_quarter_without_omitted(
    core: Opportune, admin: User, deals: Deals
) -> None:
    report = run(core, admin, "forecast", period="quarter")
    assert table(report, "pipeline", "best_case", "commit", "closed", "total") == [
        # Q1: o1 1000 + o6 800 pipeline; w1 5000 closed (l1 is Omitted).
        ("FY2026 Q1", money("1800.00"), money("0.00"), money("0.00"), money("5000.00"),
         money("6800.00")),
        # Q2: o2 2000 commit; w2 3000 + w3 (no amount) closed (l2 is Omitted).
        ("FY2026 Q2", money("0.00"), money("0.00"), money("2000.00"), money("3000.00"),
         money("5000.00")),
        # Q3: o5 500 pipeline, o3 333.33 best case (o4 is Omitted).
        ("FY2026 Q3", money("500.00"), money("333.33"), money("0.00"), money("0.00"),
         money("833.33")),
        # Q4 holds only l3, Omitted: no row.
    ]  # fmt: skip
    # 6800 + 5000 + 833.33.
    assert totals(report)["total"] == money("12633.33")
    assert totals(report)["closed"] == money("8000.00")


def test_the_forecast_uses_the_fiscal_year_starting_in_april(
    fiscal_april: Opportune, admin: User, deals: Deals
) -> None:
    quarters = run(fiscal_april, admin, "forecast", period="quarter")
    # Jan-Mar 2026 is the last quarter of FY2026; Apr 2026 starts FY2027.
    assert table(quarters, "total") == [
        ("FY2026 Q4", money("6800.00")),
        ("FY2027 Q1", money("5000.00")),
        ("FY2027 Q2", money("833.33")),
    ]
    years = run(fiscal_april, admin, "forecast", period="year")
    # FY2026 = Apr 2025 - Mar 2026: 6800; FY2027 = Apr 2026 - Mar 2027: 5000 + 833.33.
    assert table(years, "total") == [("FY2026", money("6800.00")), ("FY2027", money("5833.33"))]
    assert quarters.filters["fiscal_year_start_month"] == 4
    # The FY2027 Q1 commit amount is o2 alone, closing in April - June 2026.
    commit = row(quarters, "FY2027 Q1").drills["commit"]
    assert commit.filters["close_from"] == "2026-04-01"
    assert commit.filters["close_to"] == "2026-06-30"
    assert listed(fiscal_april, admin, commit) == (1, money("2000.00"))


def test_the_forecast_by_month_within_a_range_shows_empty_months_and_filters_by_owner(
    core: Opportune, admin: User, max_: User, deals: Deals
) -> None:
    report = run(core, admin, "forecast", owner=[max_.email], date_from=date(2026, 6, 15),
                 date_to=date(2026, 8, 31))  # fmt: skip
    # Max's in range: w3 (Jun 30, closed, no amount), o3 (Jul 1, best case 333.33),
    # o4 (Aug 15, Omitted). August has a row of zeros as the range covers it.
    assert table(report, "best_case", "closed", "total") == [
        ("Jun 2026", money("0.00"), money("0.00"), money("0.00")),
        ("Jul 2026", money("333.33"), money("0.00"), money("333.33")),
        ("Aug 2026", money("0.00"), money("0.00"), money("0.00")),
    ]
    june = row(report, "Jun 2026").drills["closed"]
    assert (june.filters["close_from"], june.filters["close_to"]) == ("2026-06-15", "2026-06-30")
    assert listed(core, admin, june) == (1, money("0.00"))  # w3, which has no amount


# --- win rate --------------------------------------------------------------------------------


def test_win_rate_by_owner_leaves_out_the_reopened_opportunity(
    core: Opportune, admin: User, rae: User, deals: Deals
) -> None:
    report = run(core, admin, "win-rate", by="owner")
    assert table(report, "closed", "won", "lost", "win_rate", "won_amount",
                 "average_deal_size") == [
        # Max: w3, l2, l3 closed (o6 was reopened); 1/3 = 33.3 %; w3 has no amount.
        ("Max Manager", 3, 1, 2, Decimal("33.3"), money("0.00"), None),
        # Rae: w1, w2, l1; 2/3 = 66.7 %; (5000 + 3000) / 2 = 4000.
        ("Rae Rep", 3, 2, 1, Decimal("66.7"), money("8000.00"), money("4000.00")),
    ]  # fmt: skip
    # 3 won of 6 closed = 50 %; the average leaves w3 out: 8000 / 2.
    assert (totals(report)["win_rate"], totals(report)["average_deal_size"]) == (
        Decimal("50.0"), money("4000.00"),
    )  # fmt: skip
    rae_row = row(report, "Rae Rep")
    assert listed(core, admin, rae_row.drills["won"]) == (2, money("8000.00"))
    assert listed(core, admin, rae_row.drills["lost"])[0] == 1
    assert listed(core, admin, row(report, "Max Manager").drills["closed"])[0] == 3


def test_win_rate_by_source_and_by_period(core: Opportune, admin: User, deals: Deals) -> None:
    by_source = run(core, admin, "win-rate", by="source")
    assert table(by_source, "closed", "won", "win_rate", "won_amount", "average_deal_size") == [
        # Web: w1, w3 won, l1, l3 lost; won amount 5000, averaged over w1 only.
        ("Web", 4, 2, Decimal("50.0"), money("5000.00"), money("5000.00")),
        (PARTNER, 2, 1, Decimal("50.0"), money("3000.00"), money("3000.00")),  # w2, l2
    ]
    assert listed(core, admin, row(by_source, PARTNER).drills["closed"])[0] == 2
    by_quarter = run(core, admin, "win-rate", by="period", period="quarter")
    assert table(by_quarter, "closed", "won", "win_rate") == [
        ("FY2026 Q1", 2, 1, Decimal("50.0")),  # w1, l1
        ("FY2026 Q2", 3, 2, Decimal("66.7")),  # w2, w3, l2
        ("FY2026 Q4", 1, 0, Decimal("0.0")),  # l3
    ]
    assert by_quarter.chart.kind == "line"


def test_win_rate_filters_by_close_date_range(core: Opportune, admin: User, deals: Deals) -> None:
    report = run(core, admin, "win-rate", by="owner", date_from=date(2026, 2, 1),
                 date_to=date(2026, 5, 31))  # fmt: skip
    # February - May: l1 (Rae), w2 (Rae), l2 (Max).
    assert table(report, "closed", "won") == [("Max Manager", 1, 0), ("Rae Rep", 2, 1)]
    assert listed(core, admin, row(report, "Rae Rep").drills["closed"])[0] == 2


# --- lost reasons ----------------------------------------------------------------------------


def test_lost_reasons_count_and_sum_lost_opportunities_with_none_for_no_reason(
    core: Opportune, admin: User, deals: Deals
) -> None:
    report = run(core, admin, "lost-reasons")
    used = [r for r in table(report, "count", "amount", "share") if r[1]]
    assert used == [
        # o6 was lost for Price, then reopened: only l1 counts.
        ("Price", 1, money("1500.00"), Decimal("33.3")),
        ("Competitor", 1, money("700.00"), Decimal("33.3")),
        ("(none)", 1, money("100.00"), Decimal("33.3")),
    ]
    assert (totals(report)["count"], totals(report)["amount"]) == (3, money("2300.00"))
    assert listed(core, admin, row(report, "Price").drills["count"]) == (1, money("1500.00"))
    in_half = run(core, admin, "lost-reasons", date_from=date(2026, 1, 1),
                  date_to=date(2026, 6, 30))  # fmt: skip
    # l3 closes in November: out of range.
    assert (totals(in_half)["count"], totals(in_half)["amount"]) == (2, money("2200.00"))


# --- bad requests ----------------------------------------------------------------------------


def test_a_bad_grouping_or_period_is_refused_naming_the_field(core: Opportune, admin: User) -> None:
    for name, request, field in (
        ("win-rate", {"by": "stage"}, "by"),
        ("forecast", {"period": "week"}, "period"),
        ("win-rate", {"by": "period", "period": "fortnight"}, "period"),
        ("pipeline", {"by": "owner"}, "by"),
        ("lost-reasons", {"stage": ["Prospecting"]}, "stage"),
    ):
        with pytest.raises(ValidationError) as exc:
            run(core, admin, name, **request)
        assert [f.field for f in exc.value.fields] == [field], (name, request)
