"""The report filter form: the values the URL gave, the choices, date presets and errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from opportune.domain.reports.catalog import ReportDefinition
from opportune.errors import FieldError
from opportune.services.opportunities import OpportunityLookups
from opportune.web.report_query import ReportQuery, presets

Choices = list[tuple[str, str]]
PERIOD_CHOICES: Choices = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
GROUPING_LABELS = {"source": "Lead source", "owner": "Owner", "period": "Period"}
FILTER_LABELS = {
    "date_from": "From", "date_to": "To", "owner": "Owner", "lead_source": "Lead source",
    "stage": "Stage", "period": "Period", "by": "Group by", "days": "Days",
}  # fmt: skip
# The selects of the dashboard: (name, label, label of the empty choice or "" for none).
DASHBOARD_SELECTS = (
    ("owner", "Owner", "Anyone"),
    ("lead_source", "Lead source", "Any source"),
    ("stage", "Stage", "Any stage"),
    ("period", "Period", ""),
)


@dataclass(frozen=True, slots=True)
class PresetLink:
    """A date preset as a link keeping the other filters; ``active`` when it is in use."""

    label: str
    url: str
    active: bool


@dataclass(frozen=True, slots=True)
class FilterForm:
    """Everything the filter form shows."""

    action: str
    query: ReportQuery
    errors: dict[str, list[str]]
    error_list: list[str]
    options: dict[str, Choices]
    presets: list[PresetLink]

    def given(self, name: str) -> str:
        """The (first) value the URL gave for filter ``name``, or empty."""
        value: str | tuple[str, ...] = getattr(self.query, name)
        return value if isinstance(value, str) else next(iter(value), "")


def filter_form(
    action: str,
    query: ReportQuery,
    errors: Sequence[FieldError],
    lookups: OpportunityLookups,
    today: date,
    fiscal_start_month: int,
    definition: ReportDefinition | None = None,
) -> FilterForm:
    """The form for the page at ``action`` (one report's page when ``definition`` is
    given: its groupings are choices too); ``today`` anchors the date presets."""
    links = [
        PresetLink(p.label, query.with_dates(p.start, p.end).url(action),
                   (p.start.isoformat(), p.end.isoformat()) == (query.date_from, query.date_to))
        for p in presets(today, fiscal_start_month)
    ]  # fmt: skip
    options = _options(lookups)
    if definition is not None:
        options["by"] = grouping_choices(definition)
    return FilterForm(
        action=action,
        query=query,
        errors=_by_field(errors),
        error_list=[f"{FILTER_LABELS.get(e.field, e.field)}: {e.message}" for e in errors],
        options=options,
        presets=links,
    )


def report_selects(definition: ReportDefinition) -> list[tuple[str, str, str]]:
    """The selects of one report's page: the shared ones it takes, then its grouping."""
    selects = [("owner", "Owner", "Anyone"), ("lead_source", "Lead source", "Any source")]
    if definition.uses_stage:
        selects.append(("stage", "Stage", "Any stage"))
    if definition.uses_period:
        selects.append(("period", "Period", ""))
    if definition.groupings:
        selects.append(("by", "Group by", ""))
    return selects


def grouping_choices(definition: ReportDefinition) -> Choices:
    """A report's groupings as select choices (its default first)."""
    return [(g, GROUPING_LABELS.get(g, g.capitalize())) for g in definition.groupings]


def _options(lookups: OpportunityLookups) -> dict[str, Choices]:
    users = sorted(lookups.users, key=lambda u: u.name.casefold())
    owners = [("me", "Me")] + [
        (str(u.id), u.name if u.is_active else f"{u.name} (inactive)") for u in users
    ]
    return {
        "owner": owners,
        "lead_source": [(s.label, s.label) for s in lookups.lead_sources],
        "stage": [(s.label, s.label) for s in lookups.pipeline.stages],
        "period": PERIOD_CHOICES,
    }


def _by_field(errors: Sequence[FieldError]) -> dict[str, list[str]]:
    """Each bad filter's messages under its name, shown next to that field."""
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field, []).append(error.message)
    return found
