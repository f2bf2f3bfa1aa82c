"""Merged records are read-only.

A merge keeps the losing leads, contacts or accounts with ``merged_into_id`` set so that
it can be undone exactly (:mod:`opportune.domain.merge`). Changing one of them in the
meantime (an edit, a status change, an owner, a conversion, a delete) would be lost work
or block the undo, so every such change is refused, naming the record to use instead.
Only undoing the merge makes them editable again.
"""

from __future__ import annotations

from typing import Any

from opportune.errors import MergedRecordError

__all__ = ["MERGED", "check_not_merged", "merged_message"]

MERGED = MergedRecordError.code


def merged_message(record: Any) -> str | None:
    """Why ``record`` (a Lead, Contact or Account) cannot change, or ``None`` if it can."""
    master_id = getattr(record, "merged_into_id", None)
    if master_id is None:
        return None
    noun = type(record).__name__
    master = f"{noun.lower()} {master_id}"
    return f"{noun} {record.id} was merged into {master}; edit {master} or undo the merge"


def check_not_merged(record: Any) -> None:
    """Raise :class:`~opportune.errors.MergedRecordError` for a record merged into another."""
    message = merged_message(record)
    if message is not None:
        raise MergedRecordError(message, merged_into_id=record.merged_into_id)
