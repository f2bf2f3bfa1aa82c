"""Undoing a conversion: what the conversion record keeps, and whether undo is safe.

A :class:`ConversionRecord` keeps what a conversion did: the records it created (with
the version each had then), the fields it filled on merged records (with their previous
values), the contact role it added and the activities it moved. :func:`plan_undo`
compares that with the records as they are now: if nobody changed what the conversion
made, undo deletes the created records, restores the filled fields, moves the
activities back and reopens the lead. If someone did, it lists what changed; with
``force`` the changed records are kept (detached from the lead) and the rest undone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "ActivityLink",
    "ConversionRecord",
    "MergedFields",
    "UndoBlocker",
    "UndoPlan",
    "UndoState",
    "plan_undo",
]

# Created records are deleted children first, so no foreign key ever points at a gone row.
_DELETE_ORDER = ("opportunity", "contact", "account")
_PARENTS = {"opportunity": ("account",), "contact": ("account",), "account": ()}


@dataclass(frozen=True, slots=True)
class MergedFields:
    """Fields a conversion filled on an existing record: name -> (previous, filled)."""

    record_id: int
    fields: dict[str, tuple[object, object]]


@dataclass(frozen=True, slots=True)
class ActivityLink:
    """An activity the conversion moved: its links and owner before, its version after."""

    activity_id: int
    before: dict[str, int | None]  # lead_id, contact_id, account_id, opportunity_id, owner_id
    version_after: int


@dataclass(frozen=True, slots=True)
class ConversionRecord:
    """What one conversion did, kept so that it can be shown and undone.

    ``created`` maps account/contact/opportunity to (id, version at creation);
    ``lead_status_id`` is the status the lead had before;
    ``unmapped`` the lead values no record received; ``stamps`` the version and update
    stamps each touched record had before (keyed ``"lead"``, ``"account:7"``,
    ``"activity:5"``...), so undo can leave them exactly as they were.
    """

    lead_id: int
    converted_at: datetime
    converted_by_id: int
    lead_status_id: int
    account_id: int
    contact_id: int
    opportunity_id: int | None
    created: dict[str, tuple[int, int]]
    merged: dict[str, MergedFields]
    role_id: int | None
    activities: tuple[ActivityLink, ...]
    unmapped: dict[str, object] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)
    stamps: dict[str, dict[str, object]] = field(default_factory=dict)
    id: int | None = None
    undone_at: datetime | None = None
    undone_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class UndoState:
    """The records a conversion touched, as they are now (loaded by the service).

    ``versions`` maps (kind, id) of created records and ("activity", id) of moved
    activities to their current version (``None``: deleted since); ``values`` maps each
    merged kind to the current values of the fields the conversion filled; ``attached``
    counts, per created record, the records people attached to it since (contacts,
    opportunities, activities, contact roles) that the conversion did not make.
    """

    versions: Mapping[tuple[str, int], int | None]
    values: Mapping[str, Mapping[str, object]]
    attached: Mapping[tuple[str, int], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UndoBlocker:
    """One reason undo would destroy someone's work."""

    kind: str
    record_id: int
    message: str


@dataclass(frozen=True, slots=True)
class UndoPlan:
    """What undo writes: records to delete and keep, fields to restore, activities to move
    back, and the lead's status to return to."""

    delete: tuple[tuple[str, int], ...]
    keep: tuple[tuple[str, int], ...]
    restore: dict[str, tuple[int, dict[str, object]]]
    activities: tuple[ActivityLink, ...]
    delete_role: int | None
    lead_status_id: int
    blockers: tuple[UndoBlocker, ...] = ()


def plan_undo(
    record: ConversionRecord, state: UndoState, *, force: bool = False
) -> UndoPlan | list[UndoBlocker]:
    """The undo of ``record`` given the records' ``state``, or what stands in its way.

    Without ``force`` any change since the conversion blocks undo; with it, changed
    records stay as they are and everything else is undone.
    """
    blockers = [*_created_blockers(record, state), *_merged_blockers(record, state),
                *_activity_blockers(record, state)]  # fmt: skip
    if blockers and not force:
        return blockers
    keep = _kept(record, blockers)
    delete = tuple((k, record.created[k][0]) for k in _DELETE_ORDER
                   if k in record.created and k not in keep)  # fmt: skip
    blocked_ids = {(b.kind, b.record_id) for b in blockers}
    opportunity_deleted = any(k == "opportunity" for k, _ in delete)
    return UndoPlan(
        delete=delete,
        keep=tuple((k, record.created[k][0]) for k in _DELETE_ORDER if k in keep),
        restore=_restorable(record, state),
        activities=tuple(a for a in record.activities
                         if ("activity", a.activity_id) not in blocked_ids),
        delete_role=None if opportunity_deleted else record.role_id,
        lead_status_id=record.lead_status_id,
        blockers=tuple(blockers),
    )  # fmt: skip


def _created_blockers(record: ConversionRecord, state: UndoState) -> list[UndoBlocker]:
    blockers = []
    for kind in _DELETE_ORDER:
        if kind not in record.created:
            continue
        record_id, version = record.created[kind]
        current = state.versions.get((kind, record_id))
        attached = state.attached.get((kind, record_id), 0)
        if current is None:
            blockers.append(UndoBlocker(kind, record_id, f"The {kind} was deleted since"))
        elif current != version:
            blockers.append(UndoBlocker(kind, record_id, f"The {kind} was changed since"))
        if attached:
            message = f"{attached} record{'s' if attached != 1 else ''} added to the {kind} since"
            blockers.append(UndoBlocker(kind, record_id, message))
    return blockers


def _merged_blockers(record: ConversionRecord, state: UndoState) -> list[UndoBlocker]:
    blockers = []
    for kind, merged in record.merged.items():
        now = state.values.get(kind, {})
        for name, (_, filled) in merged.fields.items():
            if now.get(name) != filled:
                message = f"Field '{name}' of the {kind} was changed since"
                blockers.append(UndoBlocker(kind, merged.record_id, message))
    return blockers


def _activity_blockers(record: ConversionRecord, state: UndoState) -> list[UndoBlocker]:
    blockers = []
    for link in record.activities:
        current = state.versions.get(("activity", link.activity_id))
        if current != link.version_after:
            what = "deleted" if current is None else "changed"
            blockers.append(UndoBlocker("activity", link.activity_id, f"It was {what} since"))
    return blockers


def _kept(record: ConversionRecord, blockers: Sequence[UndoBlocker]) -> set[str]:
    """Created records that must stay: blocked ones, and the parents a kept one needs."""
    created_ids = {kind: ids[0] for kind, ids in record.created.items()}
    keep = {b.kind for b in blockers if created_ids.get(b.kind) == b.record_id}
    # A deleted record cannot be "kept"; the service skips ids that are gone.
    for kind in list(keep):
        keep.update(p for p in _PARENTS[kind] if p in created_ids)
    return keep


def _restorable(
    record: ConversionRecord, state: UndoState
) -> dict[str, tuple[int, dict[str, object]]]:
    """The filled fields still holding what the conversion put there, to empty again."""
    restore = {}
    for kind, merged in record.merged.items():
        now: Mapping[str, object] = state.values.get(kind, {})
        fields = {name: previous for name, (previous, filled) in merged.fields.items()
                  if now.get(name) == filled}  # fmt: skip
        if fields:
            restore[kind] = (merged.record_id, fields)
    return restore
