"""Reports: the catalog, and each report as JSON or CSV.

``GET /reports/{name}`` answers ``ReportResult.as_dict()`` as the library returns it, or
the report's CSV (the same text ``opportune report NAME --format csv`` prints) when the
``Accept`` header prefers ``text/csv`` or ``?format=csv`` is given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import error_responses
from opportune.api.schemas.reports import ReportDefinitionOut, ReportFilterParams, ReportResultOut
from opportune.domain.reports.model import ReportResult
from opportune.domain.reports.table import csv_text

router = resource_router("/reports", tags=["reports"])

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"
ReportName = Annotated[str, Path(description="The report's name, as in the catalog")]
REPORT_RESPONSES = {
    200: {
        "model": ReportResultOut,
        "description": "The report as JSON, or as CSV (header, rows, then a `Total` row)",
        "content": {CSV_TYPE: {}},
    },
    **error_responses(401, 404, 422),
}


@router.get("", responses=error_responses(401))
def list_reports(user: CurrentUser, core: OpportuneDep) -> list[ReportDefinitionOut]:
    """Every report: its name, what its date filter means, and the options it takes."""
    return [ReportDefinitionOut.of(d) for d in core.reports.catalog()]


@router.get("/{name}", response_class=Response, responses=REPORT_RESPONSES)
def run_report(
    name: ReportName,
    request: Request,
    user: CurrentUser,
    core: OpportuneDep,
    params: Annotated[ReportFilterParams, Query()],
) -> Response:
    """One report with its filters applied (404 names the reports, 422 the bad filter)."""
    result = core.reports.run(user, name, params.to_request())
    if params.format == "csv" or (params.format is None and prefers_csv(request)):
        return csv_response(result)
    return JSONResponse(result.as_dict())


def csv_response(result: ReportResult) -> Response:
    """The report as a CSV download named after it."""
    return Response(
        csv_text(result).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{result.name}.csv"'},
    )


def prefers_csv(request: Request) -> bool:
    """Whether the ``Accept`` header ranks CSV above JSON (JSON wins ties and ``*/*``)."""
    ranges = _accept_ranges(request.headers.get("accept", ""))
    return _quality(ranges, CSV_TYPE) > _quality(ranges, JSON_TYPE)


def _accept_ranges(header: str) -> dict[str, float]:
    """Media ranges of an ``Accept`` header with their quality (``q``, default 1)."""
    ranges: dict[str, float] = {}
    for part in header.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        if media:
            ranges[media.lower()] = _q(options)
    return ranges


def _q(options: list[str]) -> float:
    for option in options:
        key, _, value = option.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _quality(ranges: dict[str, float], media: str) -> float:
    """The quality of ``media``: its most specific matching range counts (RFC 9110)."""
    family = media.split("/")[0]
    for candidate in (media, f"{family}/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return 0.0
