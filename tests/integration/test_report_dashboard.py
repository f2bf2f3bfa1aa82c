"""ReportService.dashboard: every report with the same filters, computed two at a time.

The data set: Rae owns two Web leads (one working, one open) and an open Prospecting deal
of 1000; Sam owns a Phone Inquiry lead and a Negotiation/Review deal of 4000.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest

from opportune import Opportune, User, ValidationError
from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.catalog import REPORTS
from opportune.domain.reports.model import (
    ReportFilters,
    ReportLookups,
    ReportRequest,
    ReportResult,
)
from opportune.services.reports.runners import RUNNERS, Runner
from tests.conftest import add_user

SHARED = ReportRequest(
    date_from=date(2020, 1, 1), date_to=date(2030, 12, 31), owner=("rae.rep@example.com",),
    lead_source=("Web",), stage=("Prospecting",), period="quarter",
)  # fmt: skip


@pytest.fixture
def rae(core: Opportune, admin: User) -> User:
    """Rae, Sam and their leads and deals (Rae is returned)."""
    rae, sam = add_user(core, "Rae Rep", "rep"), add_user(core, "Sam Seller", "rep")
    for name, owner, source, status in (
        ("Ames", rae, "Web", "Open - Not Contacted"),
        ("Baker", rae, "Web", "Working - Contacted"),
        ("Cole", sam, "Phone Inquiry", "Working - Contacted"),
    ):
        data = {"last_name": name, "company": f"{name} Ltd", "status": status,
                "owner_id": owner.id, "lead_source": source}  # fmt: skip
        core.leads.create(admin, data, assign=False)
    account = core.accounts.create(admin, {"name": "Northwind Traders"}).id
    for name, owner, stage, amount in (
        ("Acme rollout", rae, "Prospecting", "1000"),
        ("Hooli expansion", sam, "Negotiation/Review", "4000"),
    ):
        core.opportunities.create(admin, {"name": name, "account_id": account, "stage": stage,
                                          "amount": amount, "close_date": "2026-06-30",
                                          "owner_id": owner.id, "lead_source": "Web"})  # fmt: skip
    return rae


def test_the_dashboard_gives_each_report_as_it_runs_alone_with_the_filters_it_takes(
    core: Opportune, admin: User, rae: User
) -> None:
    results = core.reports.dashboard(admin, SHARED)
    assert [r.name for r in results] == list(REPORTS)
    for result in results:
        definition = REPORTS[result.name]
        alone = replace(
            SHARED,
            stage=SHARED.stage if definition.uses_stage else (),
            period=SHARED.period if definition.uses_period else None,
        )
        assert result == core.reports.run(admin, result.name, alone), result.name


def test_stage_and_period_reach_only_reports_that_take_them_and_by_and_days_are_defaults(
    core: Opportune, admin: User, rae: User
) -> None:
    results = {r.name: r for r in core.reports.dashboard(admin, SHARED)}
    assert results["pipeline"].filters["stage"] == ["Prospecting"]
    assert "stage" not in results["lead-funnel"].filters
    assert results["forecast"].filters["period"] == "quarter"
    assert "period" not in results["pipeline"].filters
    assert results["win-rate"].filters["by"] == "owner"
    assert results["lead-conversion"].filters["by"] == "source"
    assert results["sales-cycle"].filters["by"] == "period"
    assert results["lead-aging"].filters["days"] == 30
    assert results["time-in-stage"].filters["days"] == 30
    # Rae's Web deals in Prospecting: Acme rollout, 1000.
    prospecting = results["pipeline"].rows[0].values
    assert (prospecting["stage"], prospecting["count"], str(prospecting["amount"])) == (
        "Prospecting", 1, "1000.00"
    )  # fmt: skip


def test_every_bad_filter_of_the_dashboard_is_named_once_in_one_error(
    core: Opportune, admin: User, rae: User
) -> None:
    request = ReportRequest(
        date_from=date(2026, 5, 1), date_to=date(2026, 4, 1), owner=("nobody@example.com",),
        lead_source=("Carrier pigeon",), stage=("Nowhere",), period="fortnight",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        core.reports.dashboard(admin, request)
    fields = [(e.field, e.message) for e in refused.value.fields]
    assert sorted(fields) == [
        ("date_to", "Must not be before date_from"),
        ("lead_source", "Unknown lead source 'Carrier pigeon'"),
        ("owner", "Unknown owner 'nobody@example.com'"),
        ("period", "Must be one of: month, quarter, year"),
        ("stage", "Unknown stage 'Nowhere'"),
    ]


def test_the_dashboard_runs_two_reports_at_a_time_and_never_more(
    core: Opportune, admin: User, rae: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = 0, 0
    changed = threading.Condition()

    def side_by_side(runner: Runner) -> Runner:
        """The runner, waiting (a little) for another report to run beside it."""

        def run(
            queries: ReportQueries, filters: ReportFilters, lookups: ReportLookups
        ) -> ReportResult:
            nonlocal running, most
            with changed:
                running += 1
                most = max(most, running)
                changed.notify_all()
                changed.wait_for(lambda: running > 1, timeout=1)
            try:
                return runner(queries, filters, lookups)
            finally:
                with changed:
                    running -= 1

        return run

    for name, runner in list(RUNNERS.items()):
        monkeypatch.setitem(RUNNERS, name, side_by_side(runner))
    assert [r.name for r in core.reports.dashboard(admin, ReportRequest())] == list(REPORTS)
    assert most == 2
