"""Field history: the old and new value of each changed field, who changed it and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

# Bookkeeping columns change on every save; their history would only be noise.
UNTRACKED = frozenset(
    {"id", "version", "created_at", "created_by_id", "updated_at", "updated_by_id",
     "is_unread_by_owner"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one record changed from ``old_value`` to ``new_value`` (both as text)."""

    object_type: str
    record_id: int
    field: str
    old_value: str | None
    new_value: str | None
    changed_by_id: int
    changed_at: datetime
    id: int | None = None


def as_text(value: object) -> str | None:
    """A field value as history stores it: ISO dates, plain decimals, None kept as None."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_changes(
    object_type: str,
    before: object,
    after: object,
    changed: Iterable[str],
    *,
    actor_id: int,
    now: datetime,
) -> list[FieldChange]:
    """The history rows for a saved change: one per tracked field in ``changed``."""
    record_id = getattr(after, "id", None)
    assert isinstance(record_id, int), "history is written for saved records only"
    return [
        FieldChange(
            object_type=object_type,
            record_id=record_id,
            field=name,
            old_value=as_text(getattr(before, name)),
            new_value=as_text(getattr(after, name)),
            changed_by_id=actor_id,
            changed_at=now,
        )
        for name in changed
        if name not in UNTRACKED
    ]
