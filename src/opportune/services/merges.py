"""Merging 2-3 leads, contacts or accounts into a master record, and undoing it.

The user picks the master and, field by field, the record whose value wins
(:mod:`opportune.domain.merge`). In one transaction the master gets those values, every
related row of the other records moves to it (activities, contact roles, contacts,
opportunities, child accounts, web form submissions, converted-lead links), and the
others are marked merged into it: kept and readable, hidden from lists and search. The
merge record keeps what undo needs to give everything back.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.field_history import as_text
from opportune.domain.merge import (
    MERGE_FIELDS,
    NOUNS,
    OBJECT_TYPES,
    MergeRecord,
    plan_merge,
)
from opportune.domain.sharing import Access
from opportune.domain.users import Role, User
from opportune.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from opportune.services.access import access_to, require_access, viewer_for
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.merge_apply import (
    RELATED,
    Blocker,
    apply_merge,
    blockers,
    record_repo,
    undo_merge,
)
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

__all__ = [
    "FieldRow",
    "MergePreview",
    "MergeResult",
    "MergeService",
    "UndoResult",
    "merge_summary",
    "moved_counts",
]


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One field side by side: each record's value as shown, and the default winner."""

    name: str
    label: str
    column: str
    shown: dict[int, str | None]
    default_id: int

    @property
    def differs(self) -> bool:
        """Whether the records disagree on this field."""
        return len(set(self.shown.values())) > 1


@dataclass(frozen=True, slots=True)
class MergePreview:
    """The records side by side, what moves with each, and the default choices."""

    object_type: str
    master_id: int
    records: tuple[Any, ...]
    fields: tuple[FieldRow, ...]
    related: dict[int, dict[str, int]]

    def name_of(self, record: Any) -> str:
        """How people call the record (a lead's or contact's name, an account's name)."""
        return str(record.name)


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a merge did: the master as it is now and the merge record."""

    merge: MergeRecord
    master: Any

    @property
    def moved(self) -> dict[str, int]:
        """How many related rows moved, by ``table.column``."""
        return moved_counts(self.merge)


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undo did: the merge record, now undone, and what it left as it was (force)."""

    merge: MergeRecord
    kept: tuple[Blocker, ...]


def moved_counts(merge: MergeRecord) -> dict[str, int]:
    """How many related rows a merge moved, by ``table.column``."""
    counts: dict[str, int] = {}
    for table, column, *_ in merge.details.get("moved", []):
        counts[f"{table}.{column}"] = counts.get(f"{table}.{column}", 0) + 1
    return counts


class MergeService:
    """Merging 2-3 leads, contacts or accounts into a master record, and undoing it."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    def preview(
        self, actor: User, object_type: str, ids: Sequence[int], master_id: int | None = None
    ) -> MergePreview:
        """The records side by side with each field's values and its default winner.

        The master defaults to the first id; the request is checked as a merge would be.
        """
        _check_type(object_type)
        with UnitOfWork(self.engine) as uow:
            records = _load(uow, object_type, ids, actor)
            master = master_id if master_id is not None else ids[0] if ids else 0
            plan = plan_merge(object_type, records, master)
            show = _Shower(uow, object_type, records, actor)
            rows = tuple(
                FieldRow(
                    f.name,
                    f.label,
                    f.column,
                    {r.id: show(f.column, getattr(r, f.column)) for r in records},
                    plan.choices[f.name],
                )
                for f in MERGE_FIELDS[object_type]
            )
            related = _related_counts(uow, object_type, [r.id for r in records])
        return MergePreview(object_type, master, tuple(records), rows, related)

    def merge(
        self,
        actor: User,
        object_type: str,
        master_id: int,
        ids: Sequence[int],
        choices: Mapping[str, int] | None = None,
        expected_versions: Mapping[int, int] | None = None,
    ) -> MergeResult:
        """Merge ``ids`` into ``master_id`` (one of them), in one transaction.

        ``choices`` maps field names to the id of the record whose value wins (default:
        the master's value, or the first filled-in one). With ``expected_versions``
        (record id -> version read), refuse with :class:`StaleRecordError` if a record
        changed since. It takes EDIT access to every record (a record the actor may not
        read is not found); reps may merge only the records they own.
        """
        _check_type(object_type)
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            records = _load(uow, object_type, ids, actor, Access.EDIT)
            _require_can_merge(actor, records, object_type)
            _check_versions(object_type, records, expected_versions or {})
            plan = plan_merge(object_type, records, master_id, choices)
            merge = apply_merge(uow, plan, records, _id(actor), now)
            master = record_repo(uow, object_type).get(master_id)
            audit(uow, AuditAction.MERGED, actor, now, object_type=object_type,
                  object_id=master_id, details={"merge_id": merge.id,
                                                "merged_ids": list(merge.merged_ids)})  # fmt: skip
            uow.commit()
        return MergeResult(merge, master)

    def get(self, actor: User, merge_id: int) -> MergeRecord:
        """The merge with this id (404 unless ``actor`` may read its master record)."""
        with UnitOfWork(self.engine) as uow:
            return _get(uow, merge_id, actor)

    def undo(self, actor: User, merge_id: int, *, force: bool = False) -> UndoResult:
        """Undo a merge: the master gets its previous values back, the moved rows go back to
        their records, dropped contact roles come back, the merged records are unmerged.

        If anything changed since the merge, refuse with :class:`ConflictError` listing
        it; with ``force``, restore what can be and leave the changed rows as they are.
        """
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            merge = _get(uow, merge_id, actor, Access.EDIT)
            if merge.undone_at is not None:
                raise ConflictError(f"Merge {merge_id} was already undone", code="ALREADY_UNDONE")
            _require_can_undo(actor, uow, merge)
            kept = undo_merge(uow, merge, _id(actor), now, force=force)
            audit(uow, AuditAction.MERGE_UNDONE, actor, now, object_type=merge.object_type,
                  object_id=merge.master_id, details={"merge_id": merge_id,
                                                      "kept": len(kept)})  # fmt: skip
            uow.commit()
        with UnitOfWork(self.engine) as uow:
            return UndoResult(_get(uow, merge_id, None), tuple(kept))

    def changes_since(self, actor: User, merge_id: int) -> builtins.list[Blocker]:
        """What changed since the merge (what a plain undo would refuse over)."""
        with UnitOfWork(self.engine) as uow:
            return blockers(uow, _get(uow, merge_id, actor))

    def history(
        self, actor: User, object_type: str | None = None, record_id: int | None = None
    ) -> builtins.list[MergeRecord]:
        """Merges, newest first: of one kind, and naming one record as master or merged;
        only those whose master ``actor`` may read."""
        if object_type is not None:
            _check_type(object_type)
        with UnitOfWork(self.engine) as uow:
            viewer = viewer_for(uow, actor)
            found = uow.merges.for_record(object_type, record_id)
            if viewer is None or viewer.is_admin:
                return found
            return [m for m in found if viewer.sees_all(m.object_type)
                    or access_to(uow, viewer, m.object_type, m.master_id)]  # fmt: skip

    def merged_into(self, actor: User, object_type: str, record_id: int) -> MergeRecord | None:
        """The merge in force that merged this record into another, if it was merged."""
        _check_type(object_type)
        with UnitOfWork(self.engine) as uow:
            record = record_repo(uow, object_type).get(record_id)
            if record is None or record.merged_into_id is None:
                return None
            return uow.merges.latest_into(object_type, record_id, record.merged_into_id)

    def names(self, object_type: str, ids: Sequence[int]) -> dict[int, str]:
        """How people call these records (ids without a record left out)."""
        _check_type(object_type)
        with UnitOfWork(self.engine) as uow:
            repo = record_repo(uow, object_type)
            found = {i: repo.get(i) for i in set(ids)}
        return {i: str(r.name) for i, r in found.items() if r is not None}


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _check_type(object_type: str) -> None:
    if object_type not in OBJECT_TYPES:
        raise ValidationError.single(
            "object_type", "INVALID_OBJECT_TYPE", f"Must be one of: {', '.join(OBJECT_TYPES)}"
        )


def _load(
    uow: UnitOfWork,
    object_type: str,
    ids: Sequence[int],
    actor: User | None,
    needed: Access = Access.READ,
) -> list[Any]:
    """The records to merge, each one ``actor`` has ``needed`` access to (else 404/403)."""
    repo = record_repo(uow, object_type)
    viewer = viewer_for(uow, actor)
    records = []
    for record_id in dict.fromkeys(ids):
        require_access(uow, viewer, object_type, record_id, needed)
        record = repo.get(record_id)
        if record is None:
            raise NotFoundError.for_record(NOUNS[object_type], record_id)
        records.append(record)
    if len(records) != len(ids):  # repeated ids: let the plan report them
        records += [r for r in records if list(ids).count(r.id) > 1][: len(ids) - len(records)]
    return records


def _require_can_merge(actor: User, records: Sequence[Any], object_type: str) -> None:
    if actor.role is not Role.REP:
        return
    others = [r.id for r in records if r.owner_id != actor.id]
    if others:
        noun = NOUNS[object_type].lower()
        raise PermissionDeniedError(
            f"You can only merge {noun}s you own ({noun} {', '.join(map(str, others))} "
            "belongs to someone else); ask a manager or an admin"
        )


def _require_can_undo(actor: User, uow: UnitOfWork, merge: MergeRecord) -> None:
    if actor.role is not Role.REP or merge.merged_by_id == actor.id:
        return
    master = record_repo(uow, merge.object_type).get(merge.master_id)
    if master is None or master.owner_id != actor.id:
        raise PermissionDeniedError(
            "Only who merged, the master's owner, a manager or an admin can undo this merge"
        )


def _check_versions(object_type: str, records: Sequence[Any], expected: Mapping[int, int]) -> None:
    for record in records:
        wanted = expected.get(record.id)
        if wanted is not None and wanted != record.version:
            raise StaleRecordError(
                f"{NOUNS[object_type]} {record.id} was changed by someone else (now version "
                f"{record.version}); reload it and try again"
            )


def _get(
    uow: UnitOfWork, merge_id: int, actor: User | None, needed: Access = Access.READ
) -> MergeRecord:
    """The merge, if ``actor`` has ``needed`` access to its master record (else 404/403)."""
    merge = uow.merges.get(merge_id)
    if merge is None:
        raise NotFoundError.for_record("Merge", merge_id)
    try:
        require_access(uow, viewer_for(uow, actor), merge.object_type, merge.master_id, needed)
    except NotFoundError:
        raise NotFoundError.for_record("Merge", merge_id) from None
    return merge


def _related_counts(
    uow: UnitOfWork, object_type: str, ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for table, column in RELATED[object_type]:
        but = ids if (table, column) == ("accounts", "parent_account_id") else ()
        for _, record_id in uow.merges.pointing_at(table, column, ids, but=but):
            key = _RELATED_NAMES.get((table, column), table.replace("_", " "))
            counts[record_id][key] = counts[record_id].get(key, 0) + 1
    return counts


_RELATED_NAMES = {
    ("accounts", "parent_account_id"): "child accounts",
    ("opportunity_contact_roles", "contact_id"): "opportunity roles",
    ("leads", "converted_contact_id"): "converted leads",
    ("leads", "converted_account_id"): "converted leads",
    ("web_form_submissions", "lead_id"): "web form submissions",
}


class _Shower:
    """Field values as people read them: labels for picklist ids, names for user and
    account ids, Yes/No for flags."""

    def __init__(
        self, uow: UnitOfWork, object_type: str, records: Sequence[Any], actor: User | None
    ) -> None:
        picklists = load_lead_picklists(uow)
        self.labels: dict[str, dict[int, str]] = {
            "source_id": {v.id: v.label for v in picklists.sources if v.id is not None},
            "status_id": {v.id: v.label for v in picklists.statuses if v.id is not None},
            "close_reason_id": {v.id: v.label for v in picklists.close_reasons if v.id is not None},
            "owner_id": {u.id: u.name for u in uow.users.all() if u.id is not None},
        }
        account_ids = {
            getattr(r, c, None) for r in records for c in ("account_id", "parent_account_id")
        }
        wanted = (i for i in account_ids if i is not None)
        names = uow.accounts.names(wanted, viewer_for(uow, actor))
        self.labels["account_id"] = self.labels["parent_account_id"] = names

    def __call__(self, column: str, value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if column in self.labels and isinstance(value, int):
            return self.labels[column].get(value, str(value))
        return as_text(value)


def merge_summary(merge: MergeRecord) -> dict[str, Any]:
    """A merge as plain data (for JSON output): who, when, choices, changes, moves."""
    details = merge.details
    return {
        "id": merge.id,
        "object_type": merge.object_type,
        "master_id": merge.master_id,
        "merged_ids": list(merge.merged_ids),
        "merged_by_id": merge.merged_by_id,
        "merged_at": merge.merged_at,
        "undone_at": merge.undone_at,
        "undone_by_id": merge.undone_by_id,
        "choices": details.get("choices", {}),
        "changes": {
            k: {"old_value": v[0], "new_value": v[1]} for k, v in details.get("changes", {}).items()
        },
        "moved": moved_counts(merge),
        "dropped_contact_roles": len(details.get("dropped_roles", [])),
    }
