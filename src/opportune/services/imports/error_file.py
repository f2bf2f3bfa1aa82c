"""The error file: every rejected row as it was, plus its line number and what was wrong.

It is a CSV with the file's own header followed by ``line`` and ``error``, written in
UTF-8 (with a byte-order mark so that Excel opens it right), so people can fix the cells
and import the file again as it is: ``line`` and ``error`` are ignored on import.
Rows are flushed before their batch commits; a resumed import first drops the rows of the
batch that never committed (those after the last committed line).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from opportune.domain.spreadsheet import guard_formula
from opportune.errors import FieldError

__all__ = ["EXTRA_COLUMNS", "ErrorFile", "describe_errors", "keep_lines_up_to"]

EXTRA_COLUMNS = ("line", "error")


def describe_errors(errors: Sequence[FieldError], headers: dict[str, str]) -> str:
    """``Column: message; ...`` naming each field by the column it came from, in the
    file's column order."""
    order = {name: i for i, name in enumerate(headers)}
    ranked = sorted(errors, key=lambda e: order.get(e.field, len(order)))
    return "; ".join(f"{headers.get(e.field, e.field)}: {e.message}" for e in ranked)


class ErrorFile:
    """The error file of one import, opened for appending rows."""

    def __init__(self, path: Path, header: Sequence[str], delimiter: str = ",") -> None:
        self.path = path
        self.header = list(header)
        self.delimiter = delimiter
        self.count = 0

    def __enter__(self) -> ErrorFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        self._stream = self.path.open("a", encoding="utf-8-sig" if fresh else "utf-8", newline="")
        self._writer = csv.writer(self._stream, delimiter=self.delimiter)
        if fresh:
            self._writer.writerow([*self.header, *EXTRA_COLUMNS])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stream.close()

    def add(self, line: int, cells: Sequence[str], message: str) -> None:
        """Write one rejected row: its cells (padded to the header; formula-like text
        guarded with an apostrophe), line and reason."""
        padded = [*cells, *([""] * (len(self.header) - len(cells)))]
        # Safe to open in a spreadsheet; importing the fixed file strips the apostrophes.
        self._writer.writerow([*map(guard_formula, padded), str(line), guard_formula(message)])
        self.count += 1

    def flush(self) -> None:
        """Push what was written to disk (before the batch's records commit)."""
        self._stream.flush()
        os.fsync(self._stream.fileno())


def keep_lines_up_to(path: Path, last_line: int, delimiter: str = ",") -> int:
    """Drop the rows of ``path`` about lines after ``last_line``; return how many remain."""
    if not path.exists():
        return 0
    kept = 0
    temporary = path.with_suffix(".tmp")
    with (
        path.open(encoding="utf-8-sig", newline="") as source,
        temporary.open("w", encoding="utf-8-sig", newline="") as target,
    ):
        reader = csv.reader(source, delimiter=delimiter)
        writer = csv.writer(target, delimiter=delimiter)
        header = next(reader, None)
        if header is not None:
            writer.writerow(header)
        for row in reader:
            if row and row[-2].isdigit() and int(row[-2]) <= last_line:
                writer.writerow(row)
                kept += 1
    temporary.replace(path)
    return kept
