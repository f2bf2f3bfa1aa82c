"""Building blocks for record list filters (accounts, contacts), as people type them.

Each record's filters dataclass is resolved with a :class:`FilterResolver`, which turns
owner references, choices, ids, a created range, search text and the sort, cursor and
page size into query values, collecting one :class:`FieldError` per bad filter (named as
the filter is) so that :meth:`FilterResolver.finish` reports them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta

from opportune.db.repositories._keyset import KeysetRequest
from opportune.domain.listing import MAX_ROW_ID, Cursor, SortKind
from opportune.domain.picklists import match_choice
from opportune.domain.text import search_text_error
from opportune.domain.users import User
from opportune.errors import FieldError, ValidationError

DEFAULT_SORT = "-created_at"
TIMESTAMP_SORTS: dict[str, SortKind] = {"created_at": "datetime", "updated_at": "datetime"}


class FilterResolver:
    """Resolves one list request's filters, collecting an error for each bad one."""

    def __init__(self, *, users: Sequence[User], actor: User, max_limit: int) -> None:
        self.users = users
        self.actor = actor
        self.max_limit = max_limit
        self.errors: list[FieldError] = []

    def owners(self, refs: Sequence[str], field: str = "owner") -> tuple[int, ...]:
        """User ids from ``me``, ids or emails."""
        ids: list[int] = []
        for ref in split(refs):
            user = self._find_user(ref)
            if user is None or user.id is None:
                self.fail(field, f"Unknown owner '{ref}'")
            else:
                ids.append(user.id)
        return tuple(ids)

    def choices(self, field: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
        """Values of a fixed choice list, in their canonical spelling (any case accepted)."""
        found: list[str] = []
        for value in split(values):
            choice = match_choice(allowed, value)
            if choice is None:
                self.fail(field, f"Unknown {field} '{value}'")
            else:
                found.append(choice)
        return tuple(found)

    def ids(self, field: str, values: Sequence[str | int]) -> tuple[int, ...]:
        """Record ids (whether those records exist is the caller's check)."""
        found: list[int] = []
        for value in split([str(v) for v in values]):
            if value.isdecimal() and 0 < int(value) <= MAX_ROW_ID:
                found.append(int(value))
            else:
                self.fail(field, f"Unknown {field} '{value}'")
        return tuple(found)

    def created(
        self, start: date | None, end: date | None
    ) -> tuple[datetime | None, datetime | None]:
        """The created range as moments: from the start of ``start`` to the end of ``end``."""
        if start and end and start > end:
            self.errors.append(
                FieldError("created_to", "INVALID_RANGE", "Must not be before created_from")
            )
        return _start_of(start), _end_of(end)

    def search(self, q: str | None) -> str | None:
        """Search text, trimmed; ``None`` for none."""
        if search_error := search_text_error("q", q):
            self.errors.append(search_error)
        return (q or "").strip() or None

    def window(
        self,
        sort: str,
        cursor: str | None,
        limit: int,
        with_total: bool,
        sorts: Mapping[str, SortKind],
    ) -> KeysetRequest:
        """Which page: ``sort`` is a field of ``sorts`` (``-`` first for descending)."""
        name = sort.strip().lstrip("-")
        descending = sort.strip().startswith("-")
        if name not in sorts:
            self.errors.append(
                FieldError("sort", "INVALID_SORT", f"Sort by one of: {', '.join(sorts)}")
            )
            name, descending = "created_at", True
        if not 1 <= limit <= self.max_limit:
            self.errors.append(
                FieldError(
                    "limit", "NUMBER_OUTSIDE_VALID_RANGE", f"Must be between 1 and {self.max_limit}"
                )
            )
        decoded: Cursor | None = None
        if cursor:
            try:
                decoded = Cursor.decode(cursor, name, sorts.get(name, "datetime"))
            except ValidationError as exc:
                self.errors.extend(exc.fields)
        return KeysetRequest(name, descending, decoded, limit, with_total)

    def fail(self, field: str, message: str) -> None:
        """Record a filter naming something that does not exist."""
        self.errors.append(FieldError(field, "INVALID_FILTER", message))

    def finish(self) -> None:
        """Raise one :class:`ValidationError` naming every bad filter, if any."""
        if self.errors:
            raise ValidationError(self.errors)

    def _find_user(self, ref: str) -> User | None:
        if ref.lower() == "me":
            return self.actor
        if ref.isdecimal():
            return next((u for u in self.users if u.id == int(ref)), None)
        return next((u for u in self.users if u.email.lower() == ref.lower()), None)


def split(values: Sequence[str]) -> list[str]:
    """Accept repeated values and comma-separated ones alike."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _end_of(day: date | None) -> datetime | None:
    """The first moment after ``day``, so a range "to" a day includes all of it."""
    if day is None or day == date.max:  # nothing comes after the last day there is
        return None
    return _start_of(day + timedelta(days=1))


def _start_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)
