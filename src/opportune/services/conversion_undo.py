"""Undoing a lead conversion inside a unit of work: load the state, plan, write it back.

When nothing blocks it, undo leaves every table as it was before the conversion: created
records and their field history are deleted, filled fields, moved activities and the lead
get back their values and their version stamps. Only the conversion record stays, marked
undone, as the trace of what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opportune.domain.conversion import (
    ConversionRecord,
    UndoBlocker,
    UndoPlan,
    UndoState,
    plan_undo,
)
from opportune.errors import ConflictError, FieldError, NotFoundError

if TYPE_CHECKING:
    from opportune.services.uow import UnitOfWork

__all__ = ["UndoResult", "undo_conversion"]

_UNCONVERTED = {"is_converted": False, "converted_date": None, "converted_account_id": None,
                "converted_contact_id": None, "converted_opportunity_id": None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undo did: records deleted, records kept (changed since, now detached), and the
    reasons they were kept."""

    lead_id: int
    deleted: tuple[tuple[str, int], ...]
    kept: tuple[tuple[str, int], ...]
    blockers: tuple[UndoBlocker, ...]


def undo_conversion(
    uow: UnitOfWork, lead_id: int, actor_id: int, now: datetime, *, force: bool
) -> UndoResult:
    """Undo the lead's conversion in ``uow`` (the caller commits)."""
    repo = uow.conversions
    if not repo.leads_for_update([lead_id]):
        raise NotFoundError.for_record("Lead", lead_id)
    record = repo.in_force(lead_id)
    if record is None:
        raise ConflictError(f"Lead {lead_id} is not converted: there is nothing to undo",
                            code="NOT_CONVERTED")  # fmt: skip
    planned = plan_undo(record, _state(uow, record), force=force)
    if isinstance(planned, list):
        raise _blocked(lead_id, planned)
    _write(uow, record, planned, actor_id, now)
    return UndoResult(lead_id, planned.delete, planned.keep, planned.blockers)


def _blocked(lead_id: int, blockers: list[UndoBlocker]) -> ConflictError:
    fields = [FieldError(f"{b.kind}:{b.record_id}", "CHANGED_SINCE_CONVERSION", b.message)
              for b in blockers]  # fmt: skip
    listing = "; ".join(f"{b.kind} {b.record_id}: {b.message}" for b in blockers)
    message = (f"Cannot undo the conversion of lead {lead_id}, records changed since "
               f"({listing}). Undo with force to keep the changed records.")  # fmt: skip
    return ConflictError(message, code="UNDO_BLOCKED", fields=fields)


def _state(uow: UnitOfWork, record: ConversionRecord) -> UndoState:
    repo = uow.conversions
    versions: dict[tuple[str, int], int | None] = {}
    for kind, (record_id, _) in record.created.items():
        versions[(kind, record_id)] = repo.versions(kind, [record_id]).get(record_id)
    moved = [a.activity_id for a in record.activities]
    current = repo.versions("activity", moved)
    for activity_id in moved:
        versions[("activity", activity_id)] = current.get(activity_id)
    return UndoState(versions, _merged_values(uow, record), _attached(uow, record))


def _merged_values(uow: UnitOfWork, record: ConversionRecord) -> dict[str, dict[str, object]]:
    loaders: dict[str, Callable[[list[int]], Mapping[int, object]]] = {
        "account": uow.conversions.accounts,
        "contact": uow.conversions.contacts,
        "opportunity": uow.conversions.opportunities,
    }
    values: dict[str, dict[str, object]] = {}
    for kind, merged in record.merged.items():
        found = loaders[kind]([merged.record_id]).get(merged.record_id)
        values[kind] = {name: getattr(found, name) for name in merged.fields} if found else {}
    return values


def _attached(uow: UnitOfWork, record: ConversionRecord) -> dict[tuple[str, int], int]:
    ours: dict[str, list[int]] = {
        "contact": [record.created["contact"][0]] if "contact" in record.created else [],
        "opportunity": [record.created["opportunity"][0]] if "opportunity" in record.created
        else [],
        "role": [record.role_id] if record.role_id else [],
        "activity": [a.activity_id for a in record.activities],
    }  # fmt: skip
    return {(kind, record_id): uow.conversions.attached(kind, record_id, ours)
            for kind, (record_id, _) in record.created.items()}  # fmt: skip


def _write(
    uow: UnitOfWork, record: ConversionRecord, plan: UndoPlan, actor_id: int, now: datetime
) -> None:
    repo = uow.conversions
    repo.update_many("activity", [
        {"id": a.activity_id, **a.before, **_stamps(record, f"activity:{a.activity_id}")}
        for a in plan.activities
    ])  # fmt: skip
    if plan.delete_role is not None:
        repo.delete_many("role", [plan.delete_role])
    _restore_merged(uow, record, plan)
    lead_stamps = _stamps(record, "lead")
    repo.update_many("lead", [{"id": record.lead_id, "status_id": plan.lead_status_id,
                               **_UNCONVERTED, **lead_stamps}])  # fmt: skip
    _forget_history(uow, record, plan)
    for kind, record_id in plan.delete:
        repo.delete_many(kind, [record_id])
        # Integrations following deletions (Salesforce's deleted/) learn of these too.
        uow.deleted_records.add(kind, record_id, now, actor_id)
    repo.mark_undone(_record_id(record), actor_id, now)


def _restore_merged(uow: UnitOfWork, record: ConversionRecord, plan: UndoPlan) -> None:
    """Empty again the fields the conversion filled; whole restores get their stamps back."""
    for kind, (record_id, fields) in plan.restore.items():
        complete = len(fields) == len(record.merged[kind].fields)
        stamps = _stamps(record, f"{kind}:{record_id}") if complete else {}
        uow.conversions.update_many(kind, [{"id": record_id, **fields, **stamps}])


def _forget_history(uow: UnitOfWork, record: ConversionRecord, plan: UndoPlan) -> None:
    """Field history the conversion wrote goes with what it described."""
    touched = [("lead", record.lead_id)]
    touched += [(kind, record_id) for kind, (record_id, fields) in plan.restore.items()
                if len(fields) == len(record.merged[kind].fields)]  # fmt: skip
    uow.conversions.delete_history(touched, at=record.converted_at, by=record.converted_by_id)
    uow.conversions.delete_history(plan.delete)


def _stamps(record: ConversionRecord, key: str) -> dict[str, Any]:
    return dict(record.stamps.get(key, {}))


def _record_id(record: ConversionRecord) -> int:
    assert record.id is not None
    return record.id
