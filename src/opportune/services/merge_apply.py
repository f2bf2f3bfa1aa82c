"""Applying a merge plan inside a unit of work, and undoing it.

A merge updates the master, re-points the related rows of the other records at it, marks
the others merged and stores a merge record holding everything undo needs: the master's
previous values and stamps, each row moved (table, column, id, old and new value), the
contact roles dropped because the master already had them, and the duplicate reports
resolved. Moving a link is not an edit of the row moved, so moved rows keep their version:
undo can then give back every row exactly as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opportune.db.repositories.merges import RECORD_TABLES, decode, encode
from opportune.domain.accounts import check_parent
from opportune.domain.field_history import FieldChange, field_changes
from opportune.domain.fields import finish_update
from opportune.domain.merge import NOUNS, MergePlan, MergeRecord
from opportune.errors import ConflictError, FieldError, StaleRecordError

if TYPE_CHECKING:
    from opportune.services.uow import UnitOfWork

__all__ = ["RELATED", "Blocker", "apply_merge", "blockers", "record_repo", "undo_merge"]

ROLES = "opportunity_contact_roles"
# The rows that refer to a merged record and move to the master: (table, column).
RELATED: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (("activities", "lead_id"), ("web_form_submissions", "lead_id")),
    "contact": (
        ("activities", "contact_id"),
        (ROLES, "contact_id"),
        ("leads", "converted_contact_id"),
    ),
    "account": (
        ("contacts", "account_id"),
        ("opportunities", "account_id"),
        ("activities", "account_id"),
        ("accounts", "parent_account_id"),
        ("leads", "converted_account_id"),
    ),
}


def record_repo(uow: UnitOfWork, object_type: str) -> Any:
    """The repository of leads, contacts or accounts."""
    return {"lead": uow.leads, "contact": uow.contacts, "account": uow.accounts}[object_type]


def apply_merge(
    uow: UnitOfWork, plan: MergePlan, records: Sequence[Any], actor_id: int, now: datetime
) -> MergeRecord:
    """Write the merge in ``uow`` (the caller commits) and return its stored record."""
    kind, by_id = plan.object_type, {r.id: r for r in records}
    stamps = uow.merges.stamps(kind, by_id)
    history_counts = uow.merges.history_counts(kind, plan.merged_ids)
    master = _update_master(uow, plan, by_id[plan.master_id], actor_id, now)
    moved, dropped = _move_related(uow, plan)
    if kind == "account" and master.parent_account_id is not None:
        ancestors = uow.accounts.ancestor_ids(master.parent_account_id)
        check_parent(master.id, master.parent_account_id, ancestors)
    after = {plan.master_id: master.version}
    for record_id in plan.merged_ids:
        after[record_id] = _mark_merged(uow, kind, by_id[record_id], plan.master_id, actor_id, now)
    reports = uow.merges.open_reports(kind, [plan.master_id, *plan.merged_ids])
    uow.merges.resolve_reports(reports, now)
    details = {
        "choices": plan.choices,
        "changes": {c: [encode(old), encode(new)] for c, (old, new) in plan.changes.items()},
        "stamps": {str(i): {n: encode(v) for n, v in s.items()} for i, s in stamps.items()},
        "versions_after": {str(i): v for i, v in after.items()},
        "moved": moved,
        "dropped_roles": dropped,
        "reports_resolved": reports,
        "history_kept": {str(i): history_counts.get(i, 0) for i in plan.merged_ids},
        "conversions": uow.merges.conversions_naming(kind, plan.merged_ids),
    }
    record = MergeRecord(kind, plan.master_id, plan.merged_ids, actor_id, now, details)
    return dataclasses.replace(record, id=uow.merges.add(record))


def _update_master(
    uow: UnitOfWork, plan: MergePlan, master: Any, actor_id: int, now: datetime
) -> Any:
    values = {column: new for column, (_, new) in plan.changes.items()}
    updated, changed = finish_update(
        master, dataclasses.replace(master, **values), actor_id=actor_id, now=now
    )
    if not record_repo(uow, plan.object_type).update(updated, changed, master.version):
        raise _stale(plan.object_type, master.id)
    uow.field_history.add_many(
        field_changes(plan.object_type, master, updated, changed, actor_id=actor_id, now=now)
    )
    return updated


def _mark_merged(
    uow: UnitOfWork, kind: str, record: Any, master_id: int, actor_id: int, now: datetime
) -> int:
    version: int = record.version + 1
    new_stamps = {"version": version, "updated_at": now, "updated_by_id": actor_id}
    if not uow.merges.set_merged_into(kind, record.id, master_id, new_stamps, record.version):
        raise _stale(kind, record.id)
    change = FieldChange(kind, record.id, "merged_into_id", None, str(master_id), actor_id, now)
    uow.field_history.add_many([change])
    return version


def _move_related(uow: UnitOfWork, plan: MergePlan) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """Re-point every related row at the master; return the moves and the dropped roles."""
    moved: list[list[Any]] = []
    dropped: list[dict[str, Any]] = []
    everyone = (plan.master_id, *plan.merged_ids)
    for table, column in RELATED[plan.object_type]:
        if table == ROLES:
            dropped = _move_roles(uow, plan, moved)
            continue
        # Merged accounts keep their own parents: only outside children move.
        skip = everyone if (table, column) == ("accounts", "parent_account_id") else ()
        rows = uow.merges.pointing_at(table, column, plan.merged_ids, but=skip)
        uow.merges.repoint(table, column, [row_id for row_id, _ in rows], plan.master_id)
        moved += [[table, column, row_id, old, plan.master_id] for row_id, old in rows]
    return moved, dropped


def _move_roles(uow: UnitOfWork, plan: MergePlan, moved: list[list[Any]]) -> list[dict[str, Any]]:
    """Move contact roles to the master, dropping those it already has (same opportunity
    and role): the unique index allows one. A dropped primary role makes the master's
    role primary, so the opportunity keeps its primary contact."""
    roles = uow.merges.roles_of([plan.master_id, *plan.merged_ids])
    kept = {(r["opportunity_id"], r["role"]): r for r in roles if r["contact_id"] == plan.master_id}
    dropped: list[dict[str, Any]] = []
    moving: list[int] = []
    promoted: list[int] = []
    for role in (r for r in roles if r["contact_id"] != plan.master_id):
        key = (role["opportunity_id"], role["role"])
        if key not in kept:
            kept[key] = role
            moving.append(role["id"])
            moved.append([ROLES, "contact_id", role["id"], role["contact_id"], plan.master_id])
            continue
        dropped.append(role)
        if role["is_primary"] and not kept[key]["is_primary"]:
            kept[key] = {**kept[key], "is_primary": True}
            promoted.append(kept[key]["id"])
            moved.append([ROLES, "is_primary", kept[key]["id"], False, True])
    uow.merges.delete_roles([r["id"] for r in dropped])
    uow.merges.repoint(ROLES, "is_primary", promoted, True)
    uow.merges.repoint(ROLES, "contact_id", moving, plan.master_id)
    return dropped


# --- undo ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Blocker:
    """Something changed since the merge: which record or row, and how."""

    kind: str
    record_id: int
    message: str


def blockers(uow: UnitOfWork, merge: MergeRecord) -> list[Blocker]:
    """What changed since the merge, so that undoing it would overwrite someone's work."""
    details, kind = merge.details, merge.object_type
    found: list[Blocker] = []
    now = uow.merges.stamps(kind, [merge.master_id, *merge.merged_ids])
    for key, version in details["versions_after"].items():
        record_id = int(key)
        current = now.get(record_id)
        if current is None:
            found.append(Blocker(kind, record_id, f"{NOUNS[kind]} {record_id} was deleted"))
        elif current["version"] != version:
            found.append(
                Blocker(
                    kind,
                    record_id,
                    f"{NOUNS[kind]} {record_id} was changed "
                    f"since the merge (version {current['version']}, was {version})",
                )
            )
    for table, column, row_id, _, new in details["moved"]:
        value = uow.merges.values_of(table, column, [row_id]).get(row_id, _GONE)
        if value is _GONE:
            found.append(Blocker(table, row_id, f"{table} row {row_id} was deleted"))
        elif value != new:
            found.append(Blocker(table, row_id, f"{table} row {row_id} {column} is now {value}"))
    opportunities = {r["opportunity_id"] for r in details["dropped_roles"]}
    for gone in sorted(opportunities - uow.merges.existing_ids("opportunities", opportunities)):
        found.append(Blocker("opportunity", gone, f"Opportunity {gone} was deleted"))
    return found


_GONE = object()


def undo_merge(
    uow: UnitOfWork, merge: MergeRecord, actor_id: int, now: datetime, *, force: bool
) -> list[Blocker]:
    """Undo the merge in ``uow`` (the caller commits); return what was changed since (and,
    with ``force``, left as it is now). Refuses with :class:`ConflictError` otherwise."""
    found = blockers(uow, merge)
    if found and not force:
        raise _blocked(merge, found)
    changed = {(b.kind, b.record_id) for b in found}
    _restore_moves(uow, merge, changed)
    _restore_roles(uow, merge, changed)
    _restore_records(uow, merge, changed, actor_id, now)
    uow.merges.resolve_reports(merge.details["reports_resolved"], None)
    assert merge.id is not None
    uow.merges.mark_undone(merge.id, actor_id, now)
    return found


def _restore_moves(uow: UnitOfWork, merge: MergeRecord, changed: set[tuple[str, int]]) -> None:
    groups: dict[tuple[str, str, Any], list[int]] = {}
    for table, column, row_id, old, _ in reversed(merge.details["moved"]):
        if (table, row_id) not in changed:
            groups.setdefault((table, column, old), []).append(row_id)
    # Primary flags first: a dropped primary role comes back after its stand-in steps down.
    for (table, column, old), row_ids in sorted(
        groups.items(), key=lambda g: g[0][1] != "is_primary"
    ):
        uow.merges.repoint(table, column, row_ids, old)


def _restore_roles(uow: UnitOfWork, merge: MergeRecord, changed: set[tuple[str, int]]) -> None:
    rows = [
        r
        for r in merge.details["dropped_roles"]
        if ("opportunity", r["opportunity_id"]) not in changed
    ]
    uow.merges.add_roles(rows)


def _restore_records(
    uow: UnitOfWork, merge: MergeRecord, changed: set[tuple[str, int]], actor_id: int, now: datetime
) -> None:
    kind, details = merge.object_type, merge.details
    table = RECORD_TABLES[kind]
    fresh = {"updated_at": now, "updated_by_id": actor_id}
    current = uow.merges.stamps(kind, [merge.master_id, *merge.merged_ids])
    exact: list[int] = []
    for record_id in (merge.master_id, *merge.merged_ids):
        if record_id not in current:
            continue
        values: dict[str, Any] = {}
        if record_id == merge.master_id:
            values = {c: decode(table, c, old) for c, (old, _) in details["changes"].items()}
        else:
            values["merged_into_id"] = None
        if (kind, record_id) in changed:
            values.update(fresh, version=current[record_id]["version"] + 1)
        else:
            before = details["stamps"][str(record_id)]
            values.update({n: decode(table, n, v) for n, v in before.items()})
            exact.append(record_id)
        uow.merges.restore(kind, record_id, values)
    uow.merges.delete_history(kind, exact, at=merge.merged_at, by=merge.merged_by_id)
    if (kind, merge.master_id) in changed and details["changes"]:
        uow.field_history.add_many(_history_back(merge, actor_id, now))


def _history_back(merge: MergeRecord, actor_id: int, now: datetime) -> list[FieldChange]:
    """History of a forced undo on a master changed since: the merge's values go back."""
    return [
        FieldChange(
            merge.object_type, merge.master_id, column, _text(new), _text(old), actor_id, now
        )
        for column, (old, new) in merge.details["changes"].items()
    ]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _blocked(merge: MergeRecord, found: list[Blocker]) -> ConflictError:
    fields = [
        FieldError(f"{b.kind}:{b.record_id}", "CHANGED_SINCE_MERGE", b.message) for b in found
    ]
    listing = "; ".join(b.message for b in found)
    return ConflictError(
        f"Cannot undo merge {merge.id}: records changed since ({listing}). "
        "Undo with force to restore what can be restored and keep the rest as it is now.",
        code="UNDO_BLOCKED",
        fields=fields,
    )


def _stale(kind: str, record_id: int) -> StaleRecordError:
    return StaleRecordError(
        f"{NOUNS[kind]} {record_id} was changed by someone else; reload it and try again"
    )
