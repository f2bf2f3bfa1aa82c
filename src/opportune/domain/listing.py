"""List queries and pages: filters, sort and keyset cursors, independent of any database."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from opportune.domain.sharing import Viewer
from opportune.domain.text import has_control_characters
from opportune.errors import ValidationError

T = TypeVar("T")
SortKind = Literal["datetime", "date", "decimal", "int", "text"]

# Sortable lead columns; nullable ones sort as empty text so keyset cursors stay total.
LEAD_SORT_FIELDS = (
    "created_at", "updated_at", "last_name", "first_name", "company", "email", "city", "rating",
)  # fmt: skip
DATETIME_SORT_FIELDS = frozenset({"created_at", "updated_at"})
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integers on every database
MAX_CURSOR_LENGTH = 2048  # far above any real cursor; keeps forged ones cheap to refuse


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page starts: the sort value and id of the row next to it, and which way to go."""

    value: object
    id: int
    backwards: bool = False

    def encode(self) -> str:
        """Encode as an opaque URL-safe string."""
        value = self.value
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        raw = json.dumps([value, self.id, self.backwards], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: str, kind: SortKind | None = None) -> Cursor:
        """Decode a cursor made by :meth:`encode` for the same sort field.

        ``kind`` says what the sort column holds; by default lead timestamps are
        ``datetime`` and anything else ``text``.
        """
        try:
            if len(token) > MAX_CURSOR_LENGTH:
                raise ValueError("cursor too long")
            padded = token + "=" * (-len(token) % 4)
            value, row_id, backwards = json.loads(base64.urlsafe_b64decode(padded))
            kind = kind or ("datetime" if sort in DATETIME_SORT_FIELDS else "text")
            value = _decode_value(value, kind)
            # A forged cursor must not reach the database with an id it cannot store.
            if not isinstance(row_id, int) or not 0 < row_id <= MAX_ROW_ID:
                raise TypeError("bad id")
            if not isinstance(backwards, bool):
                raise TypeError("bad direction")
        except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationError.single(
                "cursor", "INVALID_CURSOR", "Invalid or expired page cursor"
            ) from exc
        return cls(value, row_id, backwards)


def _decode_value(value: object, kind: SortKind) -> object:
    """The sort value a cursor carried, as its column holds it; raise on anything forged."""
    if not isinstance(value, str) or has_control_characters(value):
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError("bad value")
    if kind == "datetime":
        return _aware_utc(datetime.fromisoformat(value))
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        number = Decimal(value)  # raises InvalidOperation, a ValueError, when forged
        if not number.is_finite():
            raise ValueError("bad number")
        return number
    if kind == "int":
        raise TypeError("bad value")
    return value


def _aware_utc(value: datetime) -> datetime:
    """The cursor's moment in UTC; cursors always carry an offset."""
    if value.tzinfo is None:
        raise ValueError("naive datetime in cursor")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class LeadListQuery:
    """A resolved lead list request: every filter is an id or a value, never a label."""

    status_ids: tuple[int, ...] = ()
    source_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    ratings: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    search: str | None = None
    include_converted: bool = False
    # Only converted leads (whatever ``include_converted`` says).
    converted_only: bool = False
    # Leads last touched (updated, or an activity logged) before this moment.
    touched_before: datetime | None = None
    unread_only: bool = False
    # Leads in these queues; None for no queue filter (an empty tuple matches nothing).
    queue_ids: tuple[int, ...] | None = None
    sort: str = "created_at"
    descending: bool = True
    cursor: Cursor | None = None
    limit: int = 50
    with_total: bool = False
    # Whose access rules apply (None: the installation itself, which sees everything).
    viewer: Viewer | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, with cursors to the neighbouring pages and, on request, the total."""

    items: Sequence[T]
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total: int | None = None
    extra: dict[str, object] = field(default_factory=dict)
