"""What a report is and what it returns, the same for the library, the API, the CLI and the web.

A report request in user terms (:class:`ReportRequest`) is resolved by the service into ids
(:class:`ReportFilters`); the database aggregates; a pure builder turns the aggregated rows
into a :class:`ReportResult`: columns, rows, an optional totals row, the chart to draw, and
for each number the list of records behind it (:class:`Drill`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.domain.sharing import Viewer
from opportune.domain.stages import Stage
from opportune.domain.users import User

ColumnKind = Literal["text", "count", "money", "percent", "days"]
ChartKind = Literal["funnel", "bar", "stacked_bar", "line"]
DrillObject = Literal["leads", "opportunities"]
Period = Literal["month", "quarter", "year"]
Value = str | int | Decimal | None


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """A report's filters as people give them (labels, ``me``, emails, dates, numbers).

    ``date_from``/``date_to`` bound the report's date field (both days included; each report
    says which date it filters). ``by`` picks the grouping of reports that have several;
    ``period`` the length of a period where rows are periods; ``days`` the report's day
    threshold (leads untouched for, or opportunities stuck in a stage longer than).
    """

    date_from: date | None = None
    date_to: date | None = None
    owner: Sequence[str] = ()
    lead_source: Sequence[str] = ()
    stage: Sequence[str] = ()
    by: str | None = None
    period: str | None = None
    days: int | None = None


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """A resolved request: ids, and every default filled in, ready for the database."""

    today: date
    fiscal_year_start_month: int
    date_from: date | None = None
    date_to: date | None = None
    owner_ids: tuple[int, ...] = ()
    source_ids: tuple[int, ...] = ()
    stage_ids: tuple[int, ...] = ()
    by: str = ""
    period: Period = "month"
    days: int = 30
    # Whose records the report counts: only those the viewer may read (None: all).
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class ReportColumn:
    """One column: its key in each row, its heading, and how its values are shown."""

    key: str
    label: str
    kind: ColumnKind


@dataclass(frozen=True, slots=True)
class Drill:
    """The records behind a number: a list and its filters, named as that list names them
    (``LeadFilters`` / ``OpportunityFilters`` fields, values in user terms)."""

    records: DrillObject
    filters: Mapping[str, str | Sequence[str]]

    def as_dict(self) -> dict[str, object]:
        """The drill as plain data."""
        return {
            "records": self.records,
            "filters": {k: v if isinstance(v, str) else list(v) for k, v in self.filters.items()},
        }


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One row: a value per column key, and for some columns the records behind the value."""

    values: Mapping[str, Value]
    drills: Mapping[str, Drill] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """How the dashboard draws a report: ``category`` labels the bars (or points), each
    ``series`` column is one set of bars (stacked for ``stacked_bar``) or one line."""

    kind: ChartKind
    category: str
    series: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A report's answer. ``filters`` echoes the resolved request in user terms."""

    name: str
    title: str
    description: str
    filters: Mapping[str, object]
    columns: tuple[ReportColumn, ...]
    rows: tuple[ReportRow, ...]
    chart: ChartSpec
    totals: ReportRow | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready data: money, percentages and days as decimal strings."""
        return {
            "report": self.name,
            "title": self.title,
            "description": self.description,
            "filters": dict(self.filters),
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [_row_dict(r) for r in self.rows],
            "totals": _row_dict(self.totals) if self.totals else None,
            "chart": {
                "kind": self.chart.kind,
                "category": self.chart.category,
                "series": list(self.chart.series),
            },
        }


def _row_dict(row: ReportRow) -> dict[str, object]:
    return {
        "values": {k: _plain(v) for k, v in row.values.items()},
        "drills": {k: d.as_dict() for k, d in row.drills.items()},
    }


def _plain(value: Value) -> str | int | None:
    return str(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True, slots=True)
class ReportLookups:
    """Labels and settings of the things reports group by, read with the report's numbers.

    Each mapping is by id; ``statuses``, ``stages`` and ``sources`` are in configured order,
    inactive values included (old records keep them, and their numbers still count).
    """

    statuses: tuple[LeadStatus, ...]
    sources: tuple[PicklistValue, ...]
    stages: tuple[Stage, ...]
    lost_reasons: tuple[PicklistValue, ...]
    users: tuple[User, ...]

    def user_name(self, user_id: int | None) -> str:
        """A user's name, or a dash for none."""
        for user in self.users:
            if user.id == user_id:
                return user.name
        return "—" if user_id is None else f"User {user_id}"
