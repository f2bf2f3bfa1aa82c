"""The one error hierarchy of Opportune.

Every error the library raises on purpose is an :class:`OpportuneError` with a stable
machine ``code`` (Salesforce-style, upper snake case), a human ``message`` and, where
input was at fault, the ``fields`` involved. The REST API, the web UI and the CLI each
map this tree to their medium in exactly one place (``api/errors.py``, ``web/errors.py``,
``cli.py``)::

    OpportuneError                      500  INTERNAL_ERROR
    ├── ValidationError                 422  VALIDATION_ERROR (one FieldError per field)
    ├── AuthenticationError             401  INVALID_SESSION_ID / INVALID_LOGIN
    ├── PermissionDeniedError           403  INSUFFICIENT_ACCESS
    ├── NotFoundError                   404  NOT_FOUND
    └── ConflictError                   409  CONFLICT
        ├── ConvertedLeadError          409  CANNOT_UPDATE_CONVERTED_LEAD
        ├── DuplicateRecordError        409  DUPLICATES_DETECTED (a blocking duplicate rule)
        ├── MergedRecordError           409  RECORD_MERGED (merged into another: read-only)
        └── StaleRecordError            409  STALE_RECORD
    RateLimitError (an OpportuneError)  429  RATE_LIMITED, LOGIN_LOCKED (retry: ``retry_after`` s)
    DatabaseUnavailableError            503  DATABASE_UNAVAILABLE, DATABASE_BUSY, DATABASE_READ_ONLY
    └── StorageFullError                507  STORAGE_FULL
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "ConvertedLeadError",
    "DatabaseUnavailableError",
    "DuplicateRecordError",
    "FieldError",
    "MergedRecordError",
    "NotFoundError",
    "OpportuneError",
    "PermissionDeniedError",
    "RateLimitError",
    "StaleRecordError",
    "StorageFullError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field: which field, a stable code, and what is wrong."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the error as a plain dict, the shape every interface shows."""
        return {"field": self.field, "code": self.code, "message": self.message}


class OpportuneError(Exception):
    """Base of every deliberate Opportune error."""

    code = "INTERNAL_ERROR"

    def __init__(
        self, message: str, *, code: str | None = None, fields: Iterable[FieldError] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields: list[FieldError] = list(fields)

    def as_dict(self) -> dict[str, object]:
        """Return the error in the documented error format."""
        return {
            "code": self.code,
            "message": self.message,
            "fields": [f.as_dict() for f in self.fields],
        }


class ValidationError(OpportuneError):
    """Input was invalid; ``fields`` names each field at fault."""

    code = "VALIDATION_ERROR"

    def __init__(self, fields: Iterable[FieldError], message: str | None = None) -> None:
        errors = list(fields)
        if message is None:
            message = "; ".join(f"{e.field}: {e.message}" for e in errors) or "Invalid input"
        super().__init__(message, fields=errors)

    @classmethod
    def single(cls, field: str, code: str, message: str) -> ValidationError:
        """Build a validation error about one field."""
        return cls([FieldError(field, code, message)])


class AuthenticationError(OpportuneError):
    """The caller is not authenticated (missing, bad, expired token or inactive user)."""

    code = "INVALID_SESSION_ID"


class PermissionDeniedError(OpportuneError):
    """The caller is authenticated but may not do this."""

    code = "INSUFFICIENT_ACCESS"


class NotFoundError(OpportuneError):
    """The record does not exist (or the caller may not know it does)."""

    code = "NOT_FOUND"

    @classmethod
    def for_record(cls, kind: str, record_id: object) -> NotFoundError:
        """Build the standard message for a missing record."""
        return cls(f"{kind} {record_id} does not exist")


class ConflictError(OpportuneError):
    """The request conflicts with the record's current state."""

    code = "CONFLICT"


class ConvertedLeadError(ConflictError):
    """A converted lead is read-only."""

    code = "CANNOT_UPDATE_CONVERTED_LEAD"


class DuplicateRecordError(ConflictError):
    """A duplicate rule whose action is *block* matched existing records.

    ``matches`` lists them as ``{"object_type", "record_id", "name", "rule"}`` dicts.
    """

    code = "DUPLICATES_DETECTED"

    def __init__(self, message: str, *, matches: Iterable[dict[str, object]] = ()) -> None:
        super().__init__(message)
        self.matches = list(matches)

    def as_dict(self) -> dict[str, object]:
        """The error format, with the matching records."""
        return {**super().as_dict(), "matches": self.matches}


class MergedRecordError(ConflictError):
    """A lead, contact or account merged into another is read-only: it is kept only so
    that the merge can be undone. ``merged_into_id`` names the record it was merged into."""

    code = "RECORD_MERGED"

    def __init__(
        self,
        message: str,
        *,
        merged_into_id: int | None = None,
        fields: Iterable[FieldError] = (),
    ) -> None:
        super().__init__(message, fields=fields)
        self.merged_into_id = merged_into_id


class RateLimitError(OpportuneError):
    """Too many requests: try again after ``retry_after`` seconds (HTTP 429)."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class StaleRecordError(ConflictError):
    """The record changed since the caller read it (optimistic locking)."""

    code = "STALE_RECORD"


class DatabaseUnavailableError(OpportuneError):
    """The database cannot do this now: it is not reachable (``DATABASE_UNAVAILABLE``),
    stayed locked by other writers (``DATABASE_BUSY``) or refuses writes
    (``DATABASE_READ_ONLY``). Nothing was changed; ``retry_after`` (seconds) is set when
    trying again soon may work."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(
        self, message: str, *, code: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class StorageFullError(DatabaseUnavailableError):
    """The database's disk is full: nothing was changed, and nothing can be until space is
    freed."""

    code = "STORAGE_FULL"
