"""The lists behind the numbers of the lead reports, in the list filters' own terms.

Every drill repeats the report's owner, lead source and date filters, then narrows them to
the row and column it stands for, so the list shows exactly the records counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from opportune.domain.reports.lead_rows import AgeBucket
from opportune.domain.reports.model import Drill, ReportFilters, ReportLookups

TRUE = "true"
Filters = dict[str, str | Sequence[str]]


def report_scope(filters: ReportFilters, lookups: ReportLookups) -> Filters:
    """The report's own owner, lead source and created-date filters (same names in the
    leads and the opportunities lists)."""
    labels = {s.id: s.label for s in lookups.sources}
    scope: Filters = {}
    if filters.owner_ids:
        scope["owner"] = [str(i) for i in filters.owner_ids]
    if filters.source_ids:
        scope["lead_source"] = [labels[i] for i in filters.source_ids]
    if filters.date_from:
        scope["created_from"] = filters.date_from.isoformat()
    if filters.date_to:
        scope["created_to"] = filters.date_to.isoformat()
    return scope


def leads(scope: Filters, **narrower: str | Sequence[str]) -> Drill:
    """Leads of the scope (converted ones too), narrowed by ``narrower``."""
    return Drill("leads", {**scope, "include_converted": TRUE, **narrower})


def converted_leads(scope: Filters, **narrower: str | Sequence[str]) -> Drill:
    """Converted leads of the scope, narrowed by ``narrower``."""
    return leads(scope, converted_only=TRUE, **narrower)


def opportunities(scope: Filters, narrower: Filters, *, won: bool = False) -> Drill:
    """Opportunities of the scope (created in its date range), narrowed by ``narrower``;
    only the won ones with ``won``."""
    state: Filters = {"state": "won"} if won else {}
    return Drill("opportunities", {**scope, **state, **narrower})


def in_age_bucket(scope: Filters, bucket: AgeBucket, filters: ReportFilters) -> Filters | None:
    """The scope narrowed to the bucket's creation days; ``None`` when no day is left."""
    first, last = bucket.created_range(filters.today)
    lower = max((d for d in (first, filters.date_from) if d), default=None)
    upper = min((d for d in (last, filters.date_to) if d), default=None)
    if lower and upper and lower > upper:
        return None
    narrowed = {k: v for k, v in scope.items() if k not in ("created_from", "created_to")}
    if lower:
        narrowed["created_from"] = lower.isoformat()
    if upper:
        narrowed["created_to"] = upper.isoformat()
    return narrowed


def open_leads(
    scope: Filters, open_labels: Sequence[str], **narrower: str | Sequence[str]
) -> Drill:
    """Open leads of the scope: in an open status (the list hides converted leads itself)."""
    return Drill("leads", {**scope, "status": list(open_labels), **narrower})
