"""What a Salesforce import did: counts per object, what it could not map, and failed rows.

Failed rows are also written, as they happen, to ``import-salesforce-errors.csv`` in the
export's directory (next to it when the directory is read-only), so a large import keeps
only the first few in memory.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TextIO

ERRORS_FILE = "import-salesforce-errors.csv"
ERROR_COLUMNS = ("file", "line", "salesforce_id", "reason")
# Failed rows kept in memory for the summary; the errors file has them all.
KEPT_ERRORS = 100


@dataclass(slots=True)
class ObjectCounts:
    """Rows of one export file: read, and what became of them."""

    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be imported (``line`` is where the row starts in its file)."""

    file: str
    line: int
    salesforce_id: str
    reason: str


@dataclass(slots=True)
class SalesforceImportReport:
    """The outcome of :meth:`SalesforceImportService.run`.

    ``values`` counts each value the import changed, by (object, field, value, what it
    did instead); ``unknown_owners`` counts records given the default owner, by the
    Salesforce ``OwnerId`` no user matched. Imported records keep their Salesforce id:
    find them by ``Salesforce_Id__c`` (SOQL, or ``GET .../sobjects/Lead/Salesforce_Id__c/ID``).
    """

    directory: Path
    counts: dict[str, ObjectCounts] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)
    ignored_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    unknown_owners: Counter[str] = field(default_factory=Counter)
    default_owner: str = ""
    created_users: list[str] = field(default_factory=list)
    deleted_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    errors_file: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every row was imported (skipped deleted rows included)."""
        return self.error_count == 0

    def counts_for(self, object_name: str) -> ObjectCounts:
        """The counts of one object, created on first use."""
        return self.counts.setdefault(object_name, ObjectCounts())


class ErrorFile:
    """The errors CSV of one import, opened at the first failed row (none, no file).

    A file left by an earlier run of the same export is removed first, so the file on
    disk is always this run's.
    """

    def __init__(self, directory: Path, report: SalesforceImportReport) -> None:
        self.report = report
        self.path = _writable_path(directory)
        self._file: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None

    def __enter__(self) -> ErrorFile:
        self.path.unlink(missing_ok=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()

    def add(self, error: RowError) -> None:
        """Record a failed row in the report and in the file."""
        self.report.error_count += 1
        if len(self.report.errors) < KEPT_ERRORS:
            self.report.errors.append(error)
        if self._writer is None:
            self._file = self.path.open("w", newline="", encoding="utf-8-sig")
            self._writer = csv.DictWriter(self._file, fieldnames=ERROR_COLUMNS)
            self._writer.writeheader()
            self.report.errors_file = self.path
        self._writer.writerow(
            {"file": error.file, "line": error.line,
             "salesforce_id": error.salesforce_id, "reason": error.reason}
        )  # fmt: skip


def _writable_path(directory: Path) -> Path:
    """In the export's directory, or beside it when that directory is read-only."""
    probe = directory / f".{ERRORS_FILE}.probe"
    try:
        probe.touch()
        probe.unlink()
    except OSError:
        return directory.parent / f"{directory.name}-{ERRORS_FILE}"
    return directory / ERRORS_FILE
