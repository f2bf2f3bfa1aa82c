"""Reports: one set of report functions that the API, the CLI and the dashboard all call.

:meth:`ReportService.run` resolves a request in user terms, aggregates in the database on
one read transaction, and shapes the grouped rows with the pure builders of
``domain/reports``; the three interfaces only present the :class:`ReportResult`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

from sqlalchemy import Engine

from opportune.db.repositories.reports import ReportQueries
from opportune.domain.reports.catalog import REPORTS, ReportDefinition
from opportune.domain.reports.model import (
    ReportFilters,
    ReportLookups,
    ReportRequest,
    ReportResult,
)
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services.access import viewer_for
from opportune.services.clock import Clock
from opportune.services.reports.request import resolve_request
from opportune.services.reports.runners import RUNNERS
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

__all__ = ["ReportService"]

# The dashboard runs its reports this many at a time, each on its own connection: the
# database drivers release the GIL while a query runs, and two suits a small server.
DASHBOARD_THREADS = 2


class ReportService:
    """Runs the reports of :data:`REPORTS`."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    def catalog(self) -> tuple[ReportDefinition, ...]:
        """Every report, in the order the dashboard shows them."""
        return tuple(REPORTS.values())

    def definition(self, name: str) -> ReportDefinition:
        """One report's definition (:class:`NotFoundError`, naming the reports, if unknown)."""
        found = REPORTS.get(name.strip().lower())
        if found is None:
            raise NotFoundError(f"No report '{name}'. Reports: {', '.join(REPORTS)}")
        return found

    def run(self, actor: User, name: str, request: ReportRequest) -> ReportResult:
        """Compute one report for ``actor`` over the records they may read (unknown name:
        404; bad filter: 422 naming it)."""
        definition = self.definition(name)
        with UnitOfWork(self.engine) as uow:
            lookups = _lookups(uow)
            filters = self.resolve(definition, request, lookups, actor)
            filters = replace(filters, viewer=viewer_for(uow, actor))
            result = RUNNERS[definition.name](ReportQueries(uow.connection), filters, lookups)
        return _with_echo(result, definition, filters, lookups)

    def dashboard(self, actor: User, request: ReportRequest) -> tuple[ReportResult, ...]:
        """Every report of :meth:`catalog` with the same filters, as the dashboard shows them.

        Options a report does not take are dropped for it (``stage`` goes to reports with
        stages, ``period`` to reports of periods; ``by`` and ``days`` are each report's
        default). A bad filter raises one :class:`ValidationError` naming every bad filter.
        The reports run :data:`DASHBOARD_THREADS` at a time, each on its own read
        transaction.
        """
        with UnitOfWork(self.engine) as uow:
            lookups = _lookups(uow)
            viewer = viewer_for(uow, actor)
        plans = [(d, replace(f, viewer=viewer))
                 for d, f in self._dashboard_plans(actor, request, lookups)]  # fmt: skip
        with ThreadPoolExecutor(DASHBOARD_THREADS, thread_name_prefix="dashboard") as pool:
            return tuple(pool.map(lambda plan: self._compute(plan[0], plan[1], lookups), plans))

    def _dashboard_plans(
        self, actor: User, request: ReportRequest, lookups: ReportLookups
    ) -> list[tuple[ReportDefinition, ReportFilters]]:
        """Each report's resolved filters; every fault of every report in one error."""
        plans: list[tuple[ReportDefinition, ReportFilters]] = []
        faults: dict[tuple[str, str], FieldError] = {}
        for definition in self.catalog():
            try:
                shared = _shared_request(definition, request)
                plans.append((definition, self.resolve(definition, shared, lookups, actor)))
            except ValidationError as exc:
                # Several reports refuse the same bad owner: name it once.
                faults.update({(f.field, f.message): f for f in exc.fields})
        if faults:
            raise ValidationError(faults.values())
        return plans

    def _compute(
        self, definition: ReportDefinition, filters: ReportFilters, lookups: ReportLookups
    ) -> ReportResult:
        """One report on its own read transaction (safe to call from any thread)."""
        with UnitOfWork(self.engine) as uow:
            result = RUNNERS[definition.name](ReportQueries(uow.connection), filters, lookups)
        return _with_echo(result, definition, filters, lookups)

    def resolve(
        self,
        definition: ReportDefinition,
        request: ReportRequest,
        lookups: ReportLookups,
        actor: User,
    ) -> ReportFilters:
        """The request resolved against the lookups, with today and the fiscal year."""
        return resolve_request(
            definition, request, lookups, actor=actor, today=self.today(),
            fiscal_start_month=self.settings.fiscal_year_start_month,
        )  # fmt: skip

    def today(self) -> date:
        """Today (UTC), the day ages and "now" are measured from."""
        return self.clock().date()


def _lookups(uow: UnitOfWork) -> ReportLookups:
    return ReportLookups(
        statuses=uow.picklists.statuses(),
        sources=uow.picklists.values("lead_sources"),
        stages=uow.stages.stages(),
        lost_reasons=uow.stages.lost_reasons(),
        users=tuple(uow.users.all()),
    )


def _shared_request(definition: ReportDefinition, request: ReportRequest) -> ReportRequest:
    """The dashboard's filters as one report takes them: what it has no use for dropped."""
    return replace(
        request,
        stage=request.stage if definition.uses_stage else (),
        period=request.period if definition.uses_period else None,
        by=None,
        days=None,
    )


def _with_echo(
    result: ReportResult,
    definition: ReportDefinition,
    filters: ReportFilters,
    lookups: ReportLookups,
) -> ReportResult:
    """The result with its filters echoed in user terms (labels, ids, ISO dates)."""
    labels = {s.id: s.label for s in lookups.sources}
    stages = {s.id: s.label for s in lookups.stages}
    echo: dict[str, object] = {
        "date_field": definition.date_field,
        "date_from": filters.date_from.isoformat() if filters.date_from else None,
        "date_to": filters.date_to.isoformat() if filters.date_to else None,
        "owner": list(filters.owner_ids),
        "lead_source": [labels[i] for i in filters.source_ids],
    }
    if definition.uses_stage:
        echo["stage"] = [stages[i] for i in filters.stage_ids]
    if definition.groupings:
        echo["by"] = filters.by
    if definition.uses_period:
        echo["period"] = filters.period
        echo["fiscal_year_start_month"] = filters.fiscal_year_start_month
    if definition.days_label:
        echo["days"] = filters.days
    return ReportResult(
        name=definition.name, title=definition.title, description=definition.description,
        filters=echo, columns=result.columns, rows=result.rows, chart=result.chart,
        totals=result.totals,
    )  # fmt: skip
