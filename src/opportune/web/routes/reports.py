"""The dashboard, each report's own page, and each report's CSV download.

Filters are read from the query string (the forms submit by GET), so every view is a URL
that can be shared. A bad filter is shown next to its field on the page (status 422),
never as an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from starlette.responses import Response

from opportune.api.deps import OpportuneDep
from opportune.domain.reports.catalog import ReportDefinition
from opportune.domain.reports.model import ReportResult
from opportune.domain.reports.table import csv_text
from opportune.domain.users import User
from opportune.errors import FieldError, ValidationError
from opportune.services import Opportune
from opportune.web.deps import WebUser
from opportune.web.report_form import (
    DASHBOARD_SELECTS,
    FilterForm,
    filter_form,
    report_selects,
)
from opportune.web.report_query import ReportQuery
from opportune.web.report_view import ReportView, report_view
from opportune.web.templating import render

router = APIRouter()

T = TypeVar("T")
PAGE_OPTIONS = ("date_from", "date_to", "owner", "lead_source", "stage", "period", "by", "days")


@router.get("/dashboard")
def dashboard(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Every report's chart with the same filters; each panel links to its report."""
    query = ReportQuery.from_query(request.query_params)
    ask, bad = query.request()
    results, errors = _attempt(bad, lambda: core.reports.dashboard(user, ask))
    panels = [_view(core, result, query) for result in results or ()]
    context = {
        "form": _form(core, "/dashboard", query, errors),
        "selects": DASHBOARD_SELECTS,
        "panels": panels,
    }
    return render(request, "reports/dashboard.html", context, user=user, status=_status(errors))


@router.get("/reports/{name}.csv")
def report_csv(request: Request, name: str, user: WebUser, core: OpportuneDep) -> Response:
    """The report as CSV, the same text the API and the CLI give (bad filters: the
    report's page with the messages)."""
    definition = core.reports.definition(name)  # an unknown report is a 404 page
    query, result, errors = _run_report(request, core, user, definition)
    if result is None:
        return _report_page(request, core, user, definition, query, None, errors)
    return Response(
        csv_text(result).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{result.name}.csv"'},
    )


@router.get("/reports/{name}")
def report_page(request: Request, name: str, user: WebUser, core: OpportuneDep) -> Response:
    """One report with its own options, its chart and its whole table (unknown: 404)."""
    definition = core.reports.definition(name)
    query, result, errors = _run_report(request, core, user, definition)
    return _report_page(request, core, user, definition, query, result, errors)


def _run_report(
    request: Request, core: Opportune, user: User, definition: ReportDefinition
) -> tuple[ReportQuery, ReportResult | None, list[FieldError]]:
    query = ReportQuery.from_query(request.query_params, PAGE_OPTIONS)
    ask, bad = query.request()
    result, errors = _attempt(bad, lambda: core.reports.run(user, definition.name, ask))
    return query, result, errors


def _report_page(
    request: Request,
    core: Opportune,
    user: User,
    definition: ReportDefinition,
    query: ReportQuery,
    result: ReportResult | None,
    errors: list[FieldError],
) -> Response:
    context = {
        "form": _form(core, f"/reports/{definition.name}", query, errors, definition),
        "selects": report_selects(definition),
        "definition": definition,
        "report": _view(core, result, query) if result else None,
        "dashboard_url": query.shared().url("/dashboard"),
    }
    return render(request, "reports/report.html", context, user=user, status=_status(errors))


def _attempt(bad: list[FieldError], compute: Callable[[], T]) -> tuple[T | None, list[FieldError]]:
    """Run the reports; add the service's faults to those the query string already had.

    The service runs even when a date is not a date (left out of the request), so that
    one answer names every bad filter at once.
    """
    try:
        result = compute()
    except ValidationError as exc:
        return None, [*bad, *exc.fields]
    return (None, bad) if bad else (result, [])


def _view(core: Opportune, result: ReportResult, query: ReportQuery) -> ReportView:
    """A report for a page, its links keeping the filters and options it takes."""
    kept = query.for_report(core.reports.definition(result.name))
    return report_view(
        result,
        core.settings.currency,
        page_url=kept.url(f"/reports/{result.name}"),
        csv_url=kept.url(f"/reports/{result.name}.csv"),
    )


def _form(
    core: Opportune,
    action: str,
    query: ReportQuery,
    errors: list[FieldError],
    definition: ReportDefinition | None = None,
) -> FilterForm:
    """The filter form of the page at ``action``."""
    return filter_form(
        action, query, errors, core.opportunities.lookups(), core.reports.today(),
        core.settings.fiscal_year_start_month, definition,
    )  # fmt: skip


def _status(errors: list[FieldError]) -> int:
    return 422 if errors else 200
