"""The report filters of the dashboard and report pages, as the query string holds them.

Filters live in the URL so a view can be shared: :class:`ReportQuery` keeps them as given,
rebuilds links that keep them (dropping what a report does not take), offers the date
presets, and turns them into a :class:`ReportRequest` for the service.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from opportune.domain.reports.catalog import ReportDefinition
from opportune.domain.reports.model import ReportRequest
from opportune.domain.reports.periods import add_months, period_of_day
from opportune.errors import FieldError
from opportune.web.listing import parse_date, parse_days

# The filters every report takes (the dashboard's); the rest are one report's options.
SHARED = ("date_from", "date_to", "owner", "lead_source", "stage", "period")


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Report filters exactly as the query string gave them (empty = not given)."""

    date_from: str = ""
    date_to: str = ""
    owner: tuple[str, ...] = ()
    lead_source: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    period: str = ""
    by: str = ""
    days: str = ""

    @classmethod
    def from_query(cls, query: QueryParams, names: tuple[str, ...] = SHARED) -> ReportQuery:
        """Read the filters ``names`` (others are ignored), blank values dropped."""

        def many(name: str) -> tuple[str, ...]:
            given = query.getlist(name) if name in names else []
            return tuple(v.strip() for v in given if v.strip())

        def one(name: str) -> str:
            return next(iter(many(name)), "")

        return cls(
            date_from=one("date_from"), date_to=one("date_to"), owner=many("owner"),
            lead_source=many("lead_source"), stage=many("stage"), period=one("period"),
            by=one("by"), days=one("days"),
        )  # fmt: skip

    def params(self) -> list[tuple[str, str]]:
        """The given filters as query parameters, in a stable order."""
        pairs: list[tuple[str, str]] = []
        for item in fields(self):
            value = getattr(self, item.name)
            pairs += [
                (item.name, v) for v in (value if isinstance(value, tuple) else (value,)) if v
            ]
        return pairs

    def url(self, path: str) -> str:
        """``path`` with these filters."""
        params = self.params()
        return f"{path}?{urlencode(params)}" if params else path

    def for_report(self, definition: ReportDefinition) -> ReportQuery:
        """The filters and options one report takes (stage, period, by and days only where
        they apply), for its links."""
        return ReportQuery(
            date_from=self.date_from, date_to=self.date_to, owner=self.owner,
            lead_source=self.lead_source, stage=self.stage if definition.uses_stage else (),
            period=self.period if definition.uses_period else "",
            by=self.by if definition.groupings else "",
            days=self.days if definition.days_label else "",
        )  # fmt: skip

    def shared(self) -> ReportQuery:
        """Only the dashboard's filters (a report page's own options dropped)."""
        return replace(self, by="", days="")

    def with_dates(self, start: date, end: date) -> ReportQuery:
        """The same filters over another date range."""
        return replace(self, date_from=start.isoformat(), date_to=end.isoformat())

    def request(self) -> tuple[ReportRequest, list[FieldError]]:
        """The service request, and the filters that are not even a date or a number
        (left out of the request, so the service can still name every other fault)."""
        errors: list[FieldError] = []
        request = ReportRequest(
            date_from=parse_date("date_from", self.date_from, errors),
            date_to=parse_date("date_to", self.date_to, errors),
            owner=self.owner, lead_source=self.lead_source, stage=self.stage,
            by=self.by or None, period=self.period or None,
            days=parse_days("days", self.days, errors),
        )  # fmt: skip
        return request, errors


@dataclass(frozen=True, slots=True)
class Preset:
    """A named date range offered as a one-click link."""

    label: str
    start: date
    end: date


def presets(today: date, fiscal_start_month: int) -> tuple[Preset, ...]:
    """This month, this (fiscal) quarter, this fiscal year, and the last 12 whole months
    (this one included, so a monthly chart shows twelve full bars)."""
    month = period_of_day(today, "month", fiscal_start_month)
    quarter = period_of_day(today, "quarter", fiscal_start_month)
    year = period_of_day(today, "year", fiscal_start_month)
    first = add_months(month.start, -11)
    return (
        Preset("This month", month.start, month.end),
        Preset("This quarter", quarter.start, quarter.end),
        Preset("This fiscal year", year.start, year.end),
        Preset("Last 12 months", first, month.end),
    )
