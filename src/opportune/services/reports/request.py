"""Resolve a report request in user terms into ids and defaults, naming every bad filter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, cast

from opportune.domain.reports.catalog import PERIODS, ReportDefinition
from opportune.domain.reports.model import Period, ReportFilters, ReportLookups, ReportRequest
from opportune.domain.users import User
from opportune.errors import FieldError, ValidationError
from opportune.services.list_filters import FilterResolver, split

MAX_DAYS = 36_500  # a hundred years: beyond it a threshold means nothing


class _Labelled(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def label(self) -> str: ...


def resolve_request(
    definition: ReportDefinition,
    request: ReportRequest,
    lookups: ReportLookups,
    *,
    actor: User,
    today: date,
    fiscal_start_month: int,
) -> ReportFilters:
    """The request as ids with defaults filled in; one :class:`ValidationError` for all faults."""
    resolver = FilterResolver(users=lookups.users, actor=actor, max_limit=1)
    owner_ids = resolver.owners(request.owner)
    source_ids = _label_ids(resolver, "lead_source", request.lead_source, lookups.sources)
    stage_ids = _label_ids(resolver, "stage", request.stage, lookups.stages)
    errors = resolver.errors
    if request.date_from and request.date_to and request.date_from > request.date_to:
        errors.append(FieldError("date_to", "INVALID_RANGE", "Must not be before date_from"))
    if request.stage and not definition.uses_stage:
        errors.append(FieldError("stage", "INVALID_FILTER", f"{definition.title} has no stages"))
    by = _choice(errors, "by", request.by, definition.groupings)
    period = _choice(errors, "period", request.period, PERIODS if definition.uses_period else ())
    days = _days(errors, definition, request.days)
    if errors:
        raise ValidationError(errors)
    return ReportFilters(
        today=today,
        fiscal_year_start_month=fiscal_start_month,
        date_from=request.date_from, date_to=request.date_to,
        owner_ids=owner_ids, source_ids=source_ids, stage_ids=stage_ids,
        by=by, period=cast(Period, period or "month"), days=days,
    )  # fmt: skip


def _label_ids(
    resolver: FilterResolver, field: str, labels: Sequence[str], known: Sequence[_Labelled]
) -> tuple[int, ...]:
    ids: list[int] = []
    for label in split(labels):
        found = next((k for k in known if k.label.casefold() == label.casefold()), None)
        if found is None:
            resolver.fail(field, f"Unknown {field.replace('_', ' ')} '{label}'")
        else:
            ids.append(found.id)
    return tuple(ids)


def _choice(errors: list[FieldError], field: str, value: str | None, allowed: Sequence[str]) -> str:
    """A value of ``allowed`` (any case), its first value when none is given."""
    if value is None or not value.strip():
        return allowed[0] if allowed else ""
    found = next((a for a in allowed if a == value.strip().casefold()), None)
    if found is None:
        message = f"Must be one of: {', '.join(allowed)}" if allowed else "Not used by this report"
        errors.append(FieldError(field, "INVALID_FILTER", message))
        return allowed[0] if allowed else ""
    return found


def _days(errors: list[FieldError], definition: ReportDefinition, days: int | None) -> int:
    if days is None:
        return definition.default_days
    if definition.days_label is None:
        errors.append(FieldError("days", "INVALID_FILTER", "Not used by this report"))
    elif not 1 <= days <= MAX_DAYS:
        errors.append(
            FieldError("days", "NUMBER_OUTSIDE_VALID_RANGE", f"Must be between 1 and {MAX_DAYS}")
        )
    return days
