"""Query parameters and response bodies of the reports.

The response models document the shape of :meth:`ReportResult.as_dict` in OpenAPI; the
route sends ``as_dict()`` itself, so the API answers exactly what the library returns.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from opportune.api.schemas import RequestModel
from opportune.domain.reports.catalog import PERIODS, ReportDefinition
from opportune.domain.reports.model import ReportRequest

FORMATS = ("json", "csv")
CellValue = str | int | None


class ReportFilterParams(RequestModel):
    """A report's filters; repeat a list parameter (or use commas) for several values.

    Which date ``date_from``/``date_to`` filter, and which of ``stage``, ``by``, ``period``
    and ``days`` a report takes, is in its catalog entry (`GET /reports`).
    """

    date_from: date | None = Field(default=None, description="On or after this day")
    date_to: date | None = Field(default=None, description="On or before this day")
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    lead_source: list[str] = Field(default_factory=list, description="Lead source labels")
    stage: list[str] = Field(
        default_factory=list, description="Stage labels (reports with `uses_stage`)"
    )
    by: str | None = Field(default=None, description="A grouping of the report's `groupings`")
    period: str | None = Field(
        default=None, description=f"One of: {', '.join(PERIODS)} (reports with `uses_period`)"
    )
    days: int | None = Field(
        default=None, description="The report's day threshold (reports with a `days_label`)"
    )
    format: Literal["json", "csv"] | None = Field(
        default=None, description="`csv` for CSV whatever the `Accept` header says"
    )

    def to_request(self) -> ReportRequest:
        """The library's request for these parameters."""
        return ReportRequest(
            date_from=self.date_from, date_to=self.date_to, owner=self.owner,
            lead_source=self.lead_source, stage=self.stage, by=self.by, period=self.period,
            days=self.days,
        )  # fmt: skip


class ReportDefinitionOut(BaseModel):
    """One report of the catalog and the filters and options it takes."""

    name: str = Field(examples=["win-rate"])
    title: str = Field(examples=["Win rate"])
    description: str
    date_field: str = Field(
        description="Which date `date_from`/`date_to` filter", examples=["close date"]
    )
    groupings: list[str] = Field(description="Allowed `by` values; the first is the default")
    uses_period: bool = Field(description="Takes `period` (month, quarter or year)")
    uses_stage: bool = Field(description="Takes the `stage` filter")
    days_label: str | None = Field(description="What `days` means; null: takes no `days`")
    default_days: int = Field(description="`days` when none is given")

    @classmethod
    def of(cls, definition: ReportDefinition) -> ReportDefinitionOut:
        """The catalog entry of a definition."""
        return cls(
            name=definition.name, title=definition.title, description=definition.description,
            date_field=definition.date_field, groupings=list(definition.groupings),
            uses_period=definition.uses_period, uses_stage=definition.uses_stage,
            days_label=definition.days_label, default_days=definition.default_days,
        )  # fmt: skip


class ReportColumnOut(BaseModel):
    """One column: its key in each row's `values`, its heading, and its kind of value."""

    key: str
    label: str
    kind: Literal["text", "count", "money", "percent", "days"] = Field(
        description="count: an integer; money: a decimal string to the cent; percent and "
        "days: decimal strings to one place"
    )


class ReportDrillOut(BaseModel):
    """The records behind a number: a list and the filters (its query parameters) to open."""

    records: Literal["leads", "opportunities"]
    filters: dict[str, str | list[str]]


class ReportRowOut(BaseModel):
    """One row: a value per column key (null: none), and for some keys the records behind."""

    values: dict[str, CellValue]
    drills: dict[str, ReportDrillOut]


class ReportChartOut(BaseModel):
    """How the dashboard draws the report."""

    kind: Literal["funnel", "bar", "stacked_bar", "line"]
    category: str = Field(description="The column key labelling the bars or points")
    series: list[str] = Field(description="The column keys drawn as bars or lines")


class ReportResultOut(BaseModel):
    """A report's answer, the same as the library's `ReportResult.as_dict()`."""

    report: str = Field(examples=["pipeline"])
    title: str
    description: str
    filters: dict[str, object] = Field(description="The filters applied, in user terms")
    columns: list[ReportColumnOut]
    rows: list[ReportRowOut]
    totals: ReportRowOut | None
    chart: ReportChartOut
