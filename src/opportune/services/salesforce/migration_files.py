"""Reading a Salesforce export's CSV files: found by object name, streamed in chunks.

Salesforce writes UTF-8 with a byte-order mark; a file is read row by row, a chunk of
rows at a time, so memory stays bounded however large the export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from opportune.domain.salesforce.export_rows import ColumnPlan, ExportRow, plan_columns, read_row
from opportune.domain.salesforce.objects import SObject

# Rows looked up and written together: a few hundred keeps each lookup one short query.
CHUNK_ROWS = 200
Chunk = list[tuple[int, ExportRow]]


def find_file(directory: Path, object_name: str) -> Path | None:
    """The export file of an object (``Account.csv``, any case), or None."""
    wanted = f"{object_name}.csv".lower()
    return next((p for p in sorted(directory.iterdir()) if p.name.lower() == wanted), None)


class ExportFile:
    """One export file, opened: its column plan, then its rows in numbered chunks."""

    def __init__(self, path: Path, sobject: SObject) -> None:
        self.path = path
        self._file = path.open(newline="", encoding="utf-8-sig")
        self._reader = csv.DictReader(self._file)
        self.plan: ColumnPlan = plan_columns(sobject, list(self._reader.fieldnames or []))

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def chunks(self) -> Iterator[Chunk]:
        """The rows as (line the row starts on, row), ``CHUNK_ROWS`` at a time."""
        chunk: Chunk = []
        start = self._reader.line_num + 1
        for raw in self._reader:
            chunk.append((start, read_row(self.plan, raw)))
            start = self._reader.line_num + 1
            if len(chunk) == CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
