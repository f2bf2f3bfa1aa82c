"""The recycle bin: deleting records into it, restoring them, and purging it.

Every delete of a lead, account, contact, opportunity or activity goes through
:func:`move_to_bin`, in the delete's own transaction.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.recycle_bin import (
    OBJECT_TYPES,
    RECORD_TABLES,
    BinEntry,
    Payload,
    can_purge,
    can_restore,
    can_see,
    deletion_log_kind,
    expiry_cutoff,
    record_name,
)
from opportune.domain.users import User
from opportune.errors import NotFoundError, PermissionDeniedError, ValidationError
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class BinPage:
    """One page of bin entries, newest first, and the cursor of the next page (if any)."""

    entries: list[BinEntry]
    next_cursor: str | None


def move_to_bin(
    uow: UnitOfWork, object_type: str, record_id: int, actor: User, now: datetime
) -> BinEntry:
    """Delete a record with everything that goes with it into the bin, in ``uow``.

    Logs each deleted record for integrations (``deleted/``) and audits the delete.
    """
    payload = uow.recycle_bin.capture(RECORD_TABLES[object_type], record_id)
    root = payload.rows[RECORD_TABLES[object_type]][0]
    uow.recycle_bin.remove(payload)
    for table, rows in payload.rows.items():
        for row in rows if table in OBJECT_TYPES else ():
            kind = deletion_log_kind(OBJECT_TYPES[table], row)
            uow.deleted_records.add(kind, int(row["id"]), now, actor.id)
    entry = BinEntry(
        0, object_type, record_id, record_name(object_type, root), root.get("owner_id"),
        now, actor.id, payload.related_count(),
    )  # fmt: skip
    entry_id = uow.recycle_bin.add(entry, payload)
    audit(uow, AuditAction.DELETED, actor, now, object_type=object_type, object_id=record_id,
          details={"recycle_bin_id": entry_id, "related": payload.record_ids()})  # fmt: skip
    return uow.recycle_bin.get(entry_id) or entry


class RecycleBinService:
    """Lists, restores and purges deleted records."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.retention_days = settings.recycle_bin_retention_days

    def list(
        self,
        actor: User,
        *,
        object_type: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> BinPage:
        """Entries the actor may see (admins: all; others: their own deletes), newest
        first; pass a page's ``next_cursor`` as ``cursor`` for the next one."""
        before = _check_page(object_type, cursor, limit)
        deleter = None if can_purge(actor) else actor.id
        with UnitOfWork(self.engine) as uow:
            entries = uow.recycle_bin.page(
                deleted_by_id=deleter, object_type=object_type, before_id=before, limit=limit
            )
        more = len(entries) == limit
        return BinPage(entries, str(entries[-1].id) if more and entries else None)

    def get(self, actor: User, entry_id: int) -> BinEntry:
        """One entry the actor may see."""
        with UnitOfWork(self.engine) as uow:
            return _visible(uow, actor, entry_id)

    def payload(self, actor: User, entry_id: int) -> Payload:
        """The rows an entry holds (what a restore puts back)."""
        with UnitOfWork(self.engine) as uow:
            _visible(uow, actor, entry_id)
            return uow.recycle_bin.payload(entry_id)

    def find(self, actor: User, object_type: str, record_id: int) -> BinEntry:
        """The entry of a deleted record, by its kind and id."""
        with UnitOfWork(self.engine) as uow:
            entry = uow.recycle_bin.find(object_type, record_id)
            if entry is None or not can_see(actor, entry):
                raise NotFoundError(f"{object_type} {record_id} is not in the recycle bin")
            return entry

    def restore(self, actor: User, entry_id: int) -> BinEntry:
        """Put a deleted record back with everything deleted with it, ids and links as they
        were, in one transaction; the entry leaves the bin. Refused with
        ``RESTORE_CONFLICT`` (nothing changed) when a unique value was taken or a record
        it refers to is gone meanwhile."""
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            entry = _visible(uow, actor, entry_id)
            if not can_restore(actor, entry):
                raise PermissionDeniedError(
                    "Only the user who deleted the record or an admin can restore it"
                )
            payload = uow.recycle_bin.payload(entry_id)
            uow.recycle_bin.put_back(payload)
            uow.recycle_bin.delete([entry_id])
            details = {"recycle_bin_id": entry_id, "related": payload.record_ids()}
            audit(uow, AuditAction.RESTORED, actor, now, object_type=entry.object_type,
                  object_id=entry.record_id, details=details)  # fmt: skip
            uow.commit()
        return entry

    def purge(self, actor: User, entry_id: int) -> None:
        """Delete one entry for good (admins only)."""
        _require_purge(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            entry = _visible(uow, actor, entry_id)
            self._purge(uow, [entry], actor, "admin")
            uow.commit()

    def purge_all(self, actor: User) -> int:
        """Empty the bin (admins only); return how many entries were purged."""
        _require_purge(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            entries = [e for i in uow.recycle_bin.ids() if (e := uow.recycle_bin.get(i))]
            self._purge(uow, entries, actor, "empty")
            uow.commit()
        return len(entries)

    def purge_expired(self) -> int:
        """Purge entries older than the retention period; return how many."""
        cutoff = expiry_cutoff(self.clock(), self.retention_days)
        with UnitOfWork(self.engine, write=True) as uow:
            ids = uow.recycle_bin.ids(deleted_before=cutoff)
            entries = [e for i in ids if (e := uow.recycle_bin.get(i))]
            self._purge(uow, entries, None, "expired")
            uow.commit()
        return len(entries)

    def _purge(
        self, uow: UnitOfWork, entries: builtins.list[BinEntry], actor: User | None, why: str
    ) -> None:
        now = self.clock()
        uow.recycle_bin.delete(e.id for e in entries)
        for e in entries:
            details = {"recycle_bin_id": e.id, "reason": why}
            audit(uow, AuditAction.PURGED, actor, now, object_type=e.object_type,
                  object_id=e.record_id, details=details)  # fmt: skip


def _visible(uow: UnitOfWork, actor: User, entry_id: int) -> BinEntry:
    entry = uow.recycle_bin.get(entry_id)
    if entry is None or not can_see(actor, entry):
        raise NotFoundError(f"Recycle bin entry {entry_id} does not exist")
    return entry


def _require_purge(actor: User) -> None:
    if not can_purge(actor):
        raise PermissionDeniedError("Only an admin can purge the recycle bin")


def _check_page(object_type: str | None, cursor: str | None, limit: int) -> int | None:
    if object_type is not None and object_type not in RECORD_TABLES:
        allowed = ", ".join(RECORD_TABLES)
        raise ValidationError.single(
            "object_type", "INVALID_VALUE", f"Unknown object type '{object_type}' ({allowed})"
        )
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError.single(
            "limit", "INVALID_VALUE", f"limit must be between 1 and {MAX_PAGE}"
        )
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise ValidationError.single("cursor", "INVALID_CURSOR", "cursor is not valid")
    return int(cursor)
