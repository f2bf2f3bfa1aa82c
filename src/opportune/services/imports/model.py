"""What the import service hands out: jobs, progress reports, previews and options."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from opportune.errors import FieldError

__all__ = [
    "DUPLICATE_CHOICES",
    "OBJECT_TYPES",
    "ImportJob",
    "ImportOptions",
    "ImportPreview",
    "ImportProgress",
    "SavedMapping",
]

OBJECT_TYPES = ("lead", "account", "contact", "opportunity")
DUPLICATE_CHOICES = ("skip", "update", "create")
DuplicateChoice = Literal["skip", "update", "create"]
DateFormat = Literal["auto", "dmy", "mdy"]


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How an import treats its rows (stored with the import, so a resume does the same)."""

    duplicates: str = "skip"
    all_or_none: bool = False
    assign: bool = True
    day_first: bool = False
    decimal_comma: bool = False
    delimiter: str = ","
    defaults: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The options as stored in the import's ``options`` column."""
        return {
            "duplicates": self.duplicates, "all_or_none": self.all_or_none,
            "assign": self.assign, "day_first": self.day_first,
            "decimal_comma": self.decimal_comma, "delimiter": self.delimiter,
            "defaults": dict(self.defaults),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportOptions:
        """Options read back from the ``options`` column (unknown keys ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True, slots=True)
class ImportJob:
    """One import, as recorded in the ``imports`` table.

    ``already_done`` is set (never stored) when :meth:`ImportService.start` found that this
    very file was imported completely before, so nothing was imported again.
    """

    id: int
    object_type: str
    file_name: str
    file_sha256: str
    file_size: int
    stored_path: str | None
    encoding: str
    mapping: dict[str, str | None]
    options: dict[str, Any]
    status: str
    rows_done: int
    rows_total: int | None
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    error_file: str | None
    message: str | None
    created_by_id: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    reverted_at: datetime | None = None
    reverted_by_id: int | None = None
    already_done: bool = False

    @property
    def is_finished(self) -> bool:
        """True once nothing more will happen to the import (unless reverted)."""
        return self.status in ("completed", "failed", "reverted")

    @property
    def runner(self) -> tuple[str, int] | None:
        """The host and process id running the import, while one does."""
        runner = self.options.get("runner")
        if not isinstance(runner, dict):
            return None
        return str(runner.get("host")), int(runner.get("pid", 0))


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """Where a running import stands after a batch; ``rate`` in rows per second of this
    run, ``eta`` in seconds (``None`` while unknown)."""

    rows_done: int
    rows_total: int | None
    created: int
    updated: int
    skipped: int
    errors: int
    rate: float
    eta: float | None


@dataclass(frozen=True, slots=True)
class ImportPreview:
    """What an import of a file would do, before it starts.

    ``mapping`` maps each header to its field (``None``: ignored); ``rows`` are the first
    rows as ``{header: cell}``; ``problems`` are mapping errors that stop the import, and
    ``row_errors`` the errors the first rows would get (``(line, "field: message; ...")``).
    """

    object_type: str
    headers: list[str]
    mapping: dict[str, str | None]
    ignored: list[str]
    rows: list[dict[str, str]]
    problems: list[FieldError]
    row_errors: list[tuple[int, str]] = field(default_factory=list)
    delimiter: str = ","


@dataclass(frozen=True, slots=True)
class SavedMapping:
    """A column mapping saved under a name for one kind of record."""

    id: int
    object_type: str
    name: str
    columns: dict[str, str | None]
    created_by_id: int
    created_at: datetime
