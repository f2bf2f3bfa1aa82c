"""Duplicate rules, possible duplicates of a record, and the duplicates report.

Saving services call :func:`screen_duplicates` before a lead, contact or account is saved
and :meth:`DuplicateScreen.report` after; bulk paths (imports, web forms) use
:func:`load_checker` (see :mod:`opportune.services.duplicate_checks`).
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from opportune.db.repositories.duplicates import ReportQuery, Row
from opportune.domain.duplicate_rules import (
    OBJECT_TYPES,
    DuplicateRule,
    comparable,
    parse_rule_definition,
    rule_from_row,
)
from opportune.domain.leads import Lead
from opportune.domain.listing import Page
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services.access import require_access, viewer_for
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import Clock
from opportune.services.duplicate_checks import (
    CANDIDATES_PER_KEY,
    DuplicateCandidate,
    DuplicateChecker,
    DuplicateScreen,
    display_name,
    load_checker,
    readable_candidates,
    screen_duplicates,
    write_reports,
)
from opportune.services.filters import LeadFilters, resolve_filters
from opportune.services.permissions import require_admin
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

__all__ = [
    "CANDIDATES_PER_KEY",
    "DuplicateCandidate",
    "DuplicateChecker",
    "DuplicateReport",
    "DuplicateScreen",
    "DuplicateService",
    "ReportFilters",
    "ReportPage",
    "ScanResult",
    "load_checker",
    "screen_duplicates",
]


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """Which reported pairs to list: ``status`` open (default), dismissed or all."""

    object_type: str | None = None
    rule_id: int | None = None
    status: str = "open"
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class DuplicateReport:
    """A reported pair of records, named."""

    id: int
    rule_id: int | None
    rule_name: str | None
    object_type: str
    record_id: int
    record_name: str
    other_type: str
    other_id: int
    other_name: str
    score: float | None
    reported_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportPage:
    """One page of the duplicates report."""

    items: list[DuplicateReport]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan for duplicates among existing records did."""

    scanned: int
    reported: int


_REPORT_STATUSES = ("open", "dismissed", "all")


class DuplicateService:
    """Duplicate rules, possible duplicates of a record, and the duplicates report."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    # --- rules ----------------------------------------------------------------------------

    def rules(self, actor: User, object_type: str | None = None) -> builtins.list[DuplicateRule]:
        """The duplicate rules, of one object or all, in the order they apply."""
        if object_type is not None:
            _check_object_type(object_type)
        with UnitOfWork(self.engine) as uow:
            return [rule_from_row(row) for row in uow.duplicates.rules(object_type)]

    def rule(self, actor: User, rule_id: int) -> DuplicateRule:
        """One duplicate rule."""
        with UnitOfWork(self.engine) as uow:
            return rule_from_row(_rule_row(uow, rule_id))

    def create_rule(self, actor: User, data: Mapping[str, Any]) -> DuplicateRule:
        """Add a duplicate rule (administrators only)."""
        require_admin(actor)
        values = parse_rule_definition(data)
        with UnitOfWork(self.engine, write=True) as uow:
            _check_name_free(uow, values, None)
            rule_id = uow.duplicates.add_rule(values)
            rule = rule_from_row({**values, "id": rule_id})
            setting_changed(uow, actor, self.clock(), "duplicate_rule", None, rule)
            uow.commit()
        return rule

    def update_rule(self, actor: User, rule_id: int, data: Mapping[str, Any]) -> DuplicateRule:
        """Change a duplicate rule (administrators only); unnamed parts stay as they are."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            current = dict(_rule_row(uow, rule_id))
            values = parse_rule_definition(data, {k: v for k, v in current.items() if k != "id"})
            _check_name_free(uow, values, rule_id)
            uow.duplicates.update_rule(rule_id, values)
            rule = rule_from_row({**values, "id": rule_id})
            setting_changed(uow, actor, self.clock(), "duplicate_rule",
                            rule_from_row(current), rule)  # fmt: skip
            uow.commit()
        return rule

    def delete_rule(self, actor: User, rule_id: int) -> None:
        """Delete a duplicate rule and its report rows (administrators only)."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = rule_from_row(dict(_rule_row(uow, rule_id)))
            uow.duplicates.delete_rule(rule_id)
            setting_changed(uow, actor, self.clock(), "duplicate_rule", before, None)
            uow.commit()

    # --- one record -----------------------------------------------------------------------

    def possible_duplicates(
        self, actor: User, object_type: str, record_id: int
    ) -> builtins.list[DuplicateCandidate]:
        """Existing records that every active rule of ``object_type`` says look like this
        one (a lead is compared with leads and contacts), best first: only records
        ``actor`` may read, and only for a record they may read (else 404)."""
        return self._matches(actor, object_type, record_id, event="edit", with_allow=True)

    def alerts(
        self, actor: User, object_type: str, record_id: int, *, event: str
    ) -> builtins.list[DuplicateCandidate]:
        """The matches of rules whose action on ``event`` is *alert* for a saved record, found
        afresh. (The API, web pages and CLI take them from the save itself instead, through
        :func:`~opportune.services.saved_alerts.collecting_alerts`.)"""
        found = self._matches(actor, object_type, record_id, event=event, with_allow=False)
        return [c for c in found if c.action == "alert"]

    def _matches(
        self, actor: User, object_type: str, record_id: int, *, event: str, with_allow: bool
    ) -> builtins.list[DuplicateCandidate]:
        _check_object_type(object_type)
        with UnitOfWork(self.engine) as uow:
            viewer = viewer_for(uow, actor)
            require_access(uow, viewer, object_type, record_id)
            row = uow.duplicates.record(object_type, record_id)
            if row is None:
                raise NotFoundError.for_record(object_type.capitalize(), record_id)
            if row["merged_into_id"] is not None or row.get("is_converted"):
                return []
            checker = load_checker(uow, object_type, event=event, with_allow=with_allow)
            found = checker.find([_record_values(object_type, row)])[0]
            return readable_candidates(uow, viewer, found)

    # --- the report -----------------------------------------------------------------------

    def report(self, actor: User, filters: ReportFilters) -> ReportPage:
        """One page of reported pairs, newest first, with both records' names: only pairs
        both of whose records ``actor`` may read."""
        _check_report_filters(filters)
        limit = min(filters.limit, self.settings.page_size_max)
        with UnitOfWork(self.engine) as uow:
            query = ReportQuery(
                filters.object_type, filters.rule_id, filters.status, filters.offset, limit,
                viewer=viewer_for(uow, actor),
            )  # fmt: skip
            rows, total = uow.duplicates.report_page(query)
            names = _names(uow, rows)
        items = [_report(row, names) for row in rows]
        return ReportPage(items, total, query.offset, query.limit)

    def dismiss(self, actor: User, report_id: int) -> None:
        """Mark a reported pair as not duplicates (it leaves the open report)."""
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.duplicates.report(report_id)
            if row is None or not _can_read_pair(uow, actor, row):
                raise NotFoundError.for_record("Duplicate report", report_id)
            uow.duplicates.resolve([report_id], self.clock())
            uow.commit()

    def scan_leads(
        self, actor: User, filters: LeadFilters | None = None, *, batch_size: int = 500
    ) -> ScanResult:
        """Compare every lead of a filtered list with existing leads and contacts by the
        active lead rules, and report the pairs found (one batch per transaction)."""
        filters = filters or LeadFilters()
        cursor, scanned, reported = None, 0, 0
        while True:
            with UnitOfWork(self.engine, write=True) as uow:
                page = self._lead_batch(uow, actor, filters, cursor, batch_size)
                checker = load_checker(uow, "lead", with_allow=True)
                records = [_lead_values(lead) for lead in page.items]
                found = dict(zip([r["id"] for r in records], checker.find(records), strict=True))
                reported += write_reports(uow, "lead", found, actor_id=_id(actor), now=self.clock())
                uow.commit()
            scanned += len(page.items)
            cursor = page.next_cursor
            if not cursor or not page.items:
                return ScanResult(scanned, reported)

    def _lead_batch(
        self, uow: UnitOfWork, actor: User, filters: LeadFilters, cursor: str | None, size: int
    ) -> Page[Lead]:
        query = resolve_filters(
            dataclasses.replace(filters, cursor=cursor, limit=size, with_total=False),
            picklists=load_lead_picklists(uow), users=uow.users.all(), actor=actor,
            max_limit=max(size, 1), today=self.clock().date(),
        )  # fmt: skip
        return uow.leads.page(dataclasses.replace(query, viewer=viewer_for(uow, actor)))


def _can_read_pair(uow: UnitOfWork, actor: User, row: Row) -> bool:
    """True when ``actor`` may read both records of a reported pair."""
    viewer = viewer_for(uow, actor)
    try:
        require_access(uow, viewer, row["object_type"], row["record_id"])
        require_access(uow, viewer, row["other_type"], row["other_id"])
    except NotFoundError:
        return False
    return True


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _lead_values(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in (
        "id", "first_name", "last_name", "email", "phone", "mobile_phone", "title", "company",
        "website", "city", "state", "postal_code", "country")}  # fmt: skip


def _record_values(kind: str, row: Row) -> dict[str, Any]:
    values = dict(row)
    if kind == "contact":
        values["company"] = row["account_name"]
    return values


def _check_object_type(object_type: str) -> None:
    if object_type not in OBJECT_TYPES:
        raise ValidationError.single("object_type", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                     f"Must be one of: {', '.join(OBJECT_TYPES)}")  # fmt: skip


def _check_report_filters(filters: ReportFilters) -> None:
    errors = []
    if filters.object_type is not None and filters.object_type not in OBJECT_TYPES:
        errors.append(FieldError("object_type", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                 f"Must be one of: {', '.join(OBJECT_TYPES)}"))  # fmt: skip
    if filters.status not in _REPORT_STATUSES:
        errors.append(FieldError("status", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                 "Must be open, dismissed or all"))  # fmt: skip
    if filters.offset < 0 or filters.limit < 1:
        errors.append(FieldError("limit", "NUMBER_OUTSIDE_VALID_RANGE",
                                 "offset must be 0 or more and limit 1 or more"))  # fmt: skip
    if errors:
        raise ValidationError(errors)


def _rule_row(uow: UnitOfWork, rule_id: int) -> Row:
    row = uow.duplicates.rule(rule_id)
    if row is None:
        raise NotFoundError.for_record("Duplicate rule", rule_id)
    return row


def _check_name_free(uow: UnitOfWork, values: Mapping[str, Any], rule_id: int | None) -> None:
    other = uow.duplicates.rule_named(values["object_type"], values["name"])
    if other is not None and other["id"] != rule_id:
        message = f"A {values['object_type']} rule named {values['name']!r} exists"
        raise ValidationError.single("name", "DUPLICATE_VALUE", message)


def _names(uow: UnitOfWork, rows: builtins.list[Row]) -> dict[tuple[str, int], str]:
    wanted: dict[str, set[int]] = {kind: set() for kind in OBJECT_TYPES}
    for row in rows:
        wanted[row["object_type"]].add(row["record_id"])
        wanted[row["other_type"]].add(row["other_id"])
    names: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        for record_id, record in uow.duplicates.records(kind, ids).items():
            view = comparable(kind, record, record.get("account_name"))
            names[(kind, record_id)] = display_name(kind, view)
    return names


def _report(row: Row, names: Mapping[tuple[str, int], str]) -> DuplicateReport:
    score = row["score"]
    return DuplicateReport(
        id=row["id"], rule_id=row["rule_id"], rule_name=row["rule_name"],
        object_type=row["object_type"], record_id=row["record_id"],
        record_name=names.get((row["object_type"], row["record_id"]), "(deleted)"),
        other_type=row["other_type"], other_id=row["other_id"],
        other_name=names.get((row["other_type"], row["other_id"]), "(deleted)"),
        score=float(score) if isinstance(score, Decimal | float | int) else None,
        reported_at=row["reported_at"], resolved_at=row["resolved_at"],
    )  # fmt: skip
