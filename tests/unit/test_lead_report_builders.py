"""The lead-funnel, lead-conversion, lead-aging and source-to-revenue builders shape grouped
counts by hand-built numbers: order, labels, zero rows, totals, charts and the list behind
each number."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.reports.lead_rows import (
    AGE_BUCKETS,
    AgingCount,
    DealCount,
    LeadCount,
    age_cutoffs,
    created_bounds,
    untouched_before,
)
from opportune.domain.reports.leads import (
    lead_aging,
    lead_conversion,
    lead_funnel,
    source_to_revenue,
)
from opportune.domain.reports.model import ReportFilters, ReportLookups, ReportResult
from opportune.domain.users import Role, User

NEW, WORKING, NURTURE, CONVERTED, LOST = 1, 2, 3, 4, 5
STATUSES = (
    LeadStatus(NEW, "New", 10, is_default=True),
    LeadStatus(WORKING, "Working", 20),
    # No longer offered, still holding leads in some tests.
    LeadStatus(NURTURE, "Nurture", 30, is_active=False),
    LeadStatus(CONVERTED, "Converted", 40, is_converted=True, is_closed=True),
    LeadStatus(LOST, "Lost", 50, is_closed=True),
)
WEB, PARTNER, FAIR = 1, 2, 3
SOURCES = (PicklistValue(WEB, "Web", 10), PicklistValue(PARTNER, "Partner", 20),
           PicklistValue(FAIR, "Trade Fair", 30, is_active=False))  # fmt: skip
ZOE, ADAM = 1, 2
USERS = (User("Zoe Zed", "zoe@example.com", Role.REP, id=ZOE),
         User("Adam Ant", "adam@example.com", Role.REP, id=ADAM))  # fmt: skip
LOOKUPS = ReportLookups(statuses=STATUSES, sources=SOURCES, stages=(), lost_reasons=(),
                        users=USERS)  # fmt: skip
TODAY = date(2026, 11, 28)
OPEN = ["New", "Working", "Nurture"]


def filters(**values: object) -> ReportFilters:
    return ReportFilters(**{"today": TODAY, "fiscal_year_start_month": 1, **values})  # type: ignore[arg-type]


def column(report: ReportResult, key: str) -> list[object]:
    return [row.values[key] for row in report.rows]


def pct(value: str) -> Decimal:
    return Decimal(value)


# --- moments ---------------------------------------------------------------------------------


def test_a_date_range_covers_both_days_whole_in_utc() -> None:
    assert created_bounds(date(2026, 1, 1), date(2026, 1, 31)) == (
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC),
    )  # fmt: skip
    assert created_bounds(None, date.max) == (None, None)  # nothing follows the last day


def test_age_buckets_start_at_the_first_moment_of_their_oldest_day() -> None:
    # Nov 28 - 7 = Nov 21; - 30 = Oct 29; - 90 = Aug 30.
    assert age_cutoffs(TODAY) == (
        datetime(2026, 11, 21, tzinfo=UTC),
        datetime(2026, 10, 29, tzinfo=UTC),
        datetime(2026, 8, 30, tzinfo=UTC),
    )
    # 8-30 days old: created Oct 29 .. Nov 20; over 90: created Aug 29 or before.
    assert AGE_BUCKETS[1].created_range(TODAY) == (date(2026, 10, 29), date(2026, 11, 20))
    assert AGE_BUCKETS[3].created_range(TODAY) == (None, date(2026, 8, 29))
    # Untouched for 30 days: last touched before the start of Oct 29.
    assert untouched_before(TODAY, 30) == datetime(2026, 10, 29, tzinfo=UTC)


# --- lead funnel -----------------------------------------------------------------------------


def test_the_funnel_lists_steps_in_order_then_exits_with_the_share_reaching_each() -> None:
    counts = [LeadCount(NEW, 10), LeadCount(WORKING, 6), LeadCount(CONVERTED, 3),
              LeadCount(LOST, 1)]  # fmt: skip
    report = lead_funnel(counts, filters(), LOOKUPS)
    # Nurture is inactive and empty: left out. 20 leads in all.
    assert column(report, "status") == ["New", "Working", "Converted", "Lost"]
    assert column(report, "step") == ["Step 1", "Step 2", "Step 3", "Exit"]
    assert column(report, "leads") == [10, 6, 3, 1]
    # New: all 20 (Lost ones left after it). Working: 6 + 3 = 9. Converted: 3.
    assert column(report, "reached") == [20, 9, 3, None]
    # 20 / 20 = 100 %; 9 / 20 = 45 %; 3 / 20 = 15 %.
    assert column(report, "share") == [pct("100.0"), pct("45.0"), pct("15.0"), None]
    assert report.totals is not None and report.totals.values["leads"] == 20
    assert (report.chart.kind, report.chart.category, report.chart.series) == (
        "funnel", "status", ("reached", "leads"),
    )  # fmt: skip


def test_an_inactive_status_holding_leads_is_a_step_and_is_marked() -> None:
    counts = [LeadCount(NEW, 2), LeadCount(NURTURE, 1), LeadCount(CONVERTED, 1)]
    report = lead_funnel(counts, filters(), LOOKUPS)
    assert column(report, "status") == ["New", "Working", "Nurture (inactive)", "Converted",
                                        "Lost"]  # fmt: skip
    # Working: itself 0 + Nurture 1 + Converted 1 = 2 of 4 = 50 %.
    assert column(report, "reached")[:4] == [4, 2, 2, 1]
    # The drill names statuses by label, which the list knows them by.
    assert report.rows[2].drills["leads"].filters["status"] == ["Nurture"]


def test_funnel_drills_list_the_statuses_reached_with_the_reports_filters() -> None:
    report = lead_funnel([LeadCount(NEW, 1)], filters(owner_ids=(ZOE,), source_ids=(WEB,),
                         date_from=date(2026, 1, 1)), LOOKUPS)  # fmt: skip
    scope = {"owner": ["1"], "lead_source": ["Web"], "created_from": "2026-01-01",
             "include_converted": "true"}  # fmt: skip
    first, working, converted, lost = report.rows
    assert first.drills["reached"].filters == scope  # every lead of the report
    assert working.drills["reached"].filters == {**scope,
                                                 "status": ["Working", "Converted"]}  # fmt: skip
    assert converted.drills["reached"].filters == {**scope, "status": ["Converted"]}
    assert lost.drills["leads"].filters == {**scope, "status": ["Lost"]}
    assert "reached" not in lost.drills and "share" not in first.drills


# --- lead conversion -------------------------------------------------------------------------


def test_conversion_by_source_lists_active_sources_then_the_ones_without_a_source() -> None:
    counts = [LeadCount(PARTNER, 4, 1), LeadCount(WEB, 8, 2), LeadCount(FAIR, 3, 3),
              LeadCount(None, 2, 0)]  # fmt: skip
    report = lead_conversion(counts, filters(by="source"), LOOKUPS)
    # Trade Fair is inactive but holds leads: shown, marked.
    assert column(report, "source") == ["Web", "Partner", "Trade Fair (inactive)", "(none)"]
    # 2 / 8 = 25 %; 1 / 4 = 25 %; 3 / 3 = 100 %; 0 / 2 = 0 %.
    assert column(report, "rate") == [pct("25.0"), pct("25.0"), pct("100.0"), pct("0.0")]
    assert report.totals is not None
    # 8 + 4 + 3 + 2 = 17 leads, 2 + 1 + 3 = 6 converted: 6 / 17 = 35.29 %.
    assert report.totals.values == {"source": "Total", "leads": 17, "converted": 6,
                                    "rate": pct("35.3")}  # fmt: skip
    web = report.rows[0]
    converted_web = {"include_converted": "true", "lead_source": ["Web"], "converted_only": "true"}
    assert web.drills["converted"].filters == converted_web
    assert report.rows[3].drills == {}  # no list filter picks leads without a source
    assert (report.chart.kind, report.chart.series) == ("bar", ("leads", "converted"))


def test_conversion_with_a_source_filter_shows_only_those_sources() -> None:
    report = lead_conversion([], filters(by="source", source_ids=(PARTNER,)), LOOKUPS)
    assert column(report, "source") == ["Partner"]
    assert column(report, "rate") == [None]  # nothing created: no rate


def test_conversion_by_owner_sorts_owners_by_name_and_keeps_the_ones_asked_for() -> None:
    report = lead_conversion([LeadCount(ZOE, 5, 1)], filters(by="owner", owner_ids=(ZOE, ADAM)),
                             LOOKUPS)  # fmt: skip
    assert column(report, "owner") == ["Adam Ant", "Zoe Zed"]
    assert column(report, "leads") == [0, 5]
    assert column(report, "rate") == [None, pct("20.0")]  # 1 / 5
    assert report.rows[1].drills["leads"].filters == {"owner": ["1"],
                                                      "include_converted": "true"}  # fmt: skip


# --- lead aging ------------------------------------------------------------------------------


def test_aging_stacks_open_leads_per_owner_by_age_with_the_untouched_ones() -> None:
    counts = [AgingCount(ZOE, (1, 2, 3, 4), 5), AgingCount(ADAM, (0, 1, 0, 0), 0)]
    report = lead_aging(counts, filters(days=14), LOOKUPS)
    assert [c.label for c in report.columns] == [
        "Owner", "0–7 days", "8–30 days", "31–90 days", "Over 90 days", "Open leads",  # noqa: RUF001
        "Untouched for 14 days",
    ]  # fmt: skip
    assert column(report, "owner") == ["Adam Ant", "Zoe Zed"]
    assert column(report, "open") == [1, 10]  # Zoe: 1 + 2 + 3 + 4
    assert report.totals is not None
    # 0-7: 1 + 0; 8-30: 2 + 1; 31-90: 3; over 90: 4; open 11; untouched 5.
    assert [report.totals.values[b.key] for b in AGE_BUCKETS] == [1, 3, 3, 4]
    assert (report.totals.values["open"], report.totals.values["untouched"]) == (11, 5)
    assert (report.chart.kind, report.chart.series) == (
        "stacked_bar", ("age_0_7", "age_8_30", "age_31_90", "age_over_90"),
    )  # fmt: skip


def test_aging_drills_list_open_leads_of_the_owner_created_in_the_buckets_days() -> None:
    report = lead_aging([AgingCount(ZOE, (0, 1, 0, 0), 1)], filters(days=30), LOOKUPS)
    zoe = report.rows[0]
    # 8-30 days old on Nov 28: created Oct 29 .. Nov 20.
    assert zoe.drills["age_8_30"].filters == {"owner": ["1"], "status": OPEN,
                                              "created_from": "2026-10-29",
                                              "created_to": "2026-11-20"}  # fmt: skip
    assert zoe.drills["age_0_7"].filters == {"owner": ["1"], "status": OPEN,
                                             "created_from": "2026-11-21"}  # fmt: skip
    assert zoe.drills["untouched"].filters == {"owner": ["1"], "status": OPEN,
                                               "untouched_days": "30"}  # fmt: skip


def test_an_age_bucket_outside_the_date_range_has_no_list_and_others_are_clipped() -> None:
    # Created Nov 1 .. Nov 25: nobody is over 30 days old.
    range_ = filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 25))
    report = lead_aging([AgingCount(ZOE, (1, 1, 0, 0), 0)], range_, LOOKUPS)
    drills = report.rows[0].drills
    assert "age_31_90" not in drills and "age_over_90" not in drills
    assert (drills["age_0_7"].filters["created_from"], drills["age_0_7"].filters["created_to"]) == (
        "2026-11-21", "2026-11-25",
    )  # fmt: skip
    assert drills["age_8_30"].filters["created_from"] == "2026-11-01"


def test_aging_without_open_leads_has_no_rows_but_zero_totals() -> None:
    report = lead_aging([], filters(), LOOKUPS)
    assert report.rows == ()
    assert report.totals is not None and report.totals.values["open"] == 0


# --- source to revenue -----------------------------------------------------------------------


def test_source_to_revenue_joins_lead_and_opportunity_counts_per_source() -> None:
    leads = [LeadCount(WEB, 10, 4), LeadCount(None, 2, 0)]
    deals = [DealCount(WEB, 5, Decimal("1234.5")), DealCount(PARTNER, 1, Decimal("0")),
             DealCount(None, 1, Decimal("99.999"))]  # fmt: skip
    report = source_to_revenue(leads, deals, filters(), LOOKUPS)
    assert column(report, "source") == ["Web", "Partner", "(none)"]
    assert column(report, "leads") == [10, 0, 2]
    assert column(report, "opportunities") == [5, 1, 1]
    # Money to the cent: 99.999 rounds to 100.00.
    assert column(report, "won_amount") == [Decimal("1234.50"), Decimal("0.00"),
                                            Decimal("100.00")]  # fmt: skip
    assert report.totals is not None
    # 1234.50 + 0 + 99.999 = 1334.499 -> 1334.50.
    assert report.totals.values["won_amount"] == Decimal("1334.50")
    web = report.rows[0]
    assert web.drills["won_amount"].records == "opportunities"
    assert web.drills["won_amount"].filters == {"state": "won", "lead_source": ["Web"]}
    assert web.drills["opportunities"].filters == {"lead_source": ["Web"]}
    assert report.rows[2].drills == {}
    assert (report.chart.kind, report.chart.series) == (
        "bar", ("leads", "converted", "opportunities"),
    )  # fmt: skip


def test_source_to_revenue_drills_repeat_the_owner_and_creation_range() -> None:
    range_ = filters(owner_ids=(ADAM,), date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    report = source_to_revenue([LeadCount(WEB, 1, 1)], [], range_, LOOKUPS)
    scope = {"owner": ["2"], "created_from": "2026-01-01", "created_to": "2026-03-31"}
    assert report.rows[0].drills["opportunities"].filters == {**scope, "lead_source": ["Web"]}
    assert report.totals is not None
    assert report.totals.drills["leads"].filters == {**scope, "include_converted": "true"}
