"""The files of a Bulk API 2.0 ingest job: the uploaded CSV and the result files.

Each job has a folder ``<data_dir>/bulk/<job id>/`` holding ``data.csv`` (the upload,
streamed to disk as it arrives, never held in memory), ``successes.csv`` and
``failures.csv`` (appended chunk by chunk while the job runs). Result files use the job's
delimiter and line ending and quote every cell, as Salesforce's do.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from opportune.errors import ValidationError
from opportune.services.imports.source import CsvSource

__all__ = [
    "FAILURE_COLUMNS",
    "SUCCESS_COLUMNS",
    "JobFiles",
    "ResultFile",
    "UploadWriter",
    "data_rows",
    "header_line",
    "read_chunks",
]

SUCCESS_COLUMNS = ("sf__Id", "sf__Created")
FAILURE_COLUMNS = ("sf__Id", "sf__Error")
_CHUNK = 64 * 1024


class JobFiles:
    """Where one job's files are."""

    def __init__(self, data_dir: Path, job_id: int) -> None:
        self.folder = data_dir / "bulk" / str(job_id)

    @property
    def data(self) -> Path:
        """The uploaded CSV."""
        return self.folder / "data.csv"

    @property
    def successes(self) -> Path:
        """The rows saved, with their ids."""
        return self.folder / "successes.csv"

    @property
    def failures(self) -> Path:
        """The rows rejected, with the reasons."""
        return self.folder / "failures.csv"

    def remove(self) -> None:
        """Remove every file of the job."""
        shutil.rmtree(self.folder, ignore_errors=True)


class UploadWriter:
    """Writes an upload to the job's ``data.csv`` chunk by chunk, refusing more than
    ``max_bytes``; :meth:`abandon` removes what was written."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.max_bytes, self.size = path, max_bytes, 0
        self._partial = path.with_suffix(".part")
        self._handle: IO[bytes] | None = self._partial.open("wb")

    def write(self, chunk: bytes) -> None:
        """Append a chunk; over the limit, the upload is abandoned and refused."""
        assert self._handle is not None, "write() after finish() or abandon()"
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.abandon()
            raise ValidationError.single(
                "file", "EXCEEDED_MAX_SIZE_REQUEST",
                f"The data is larger than the {self.max_bytes} bytes a job accepts",
            )  # fmt: skip
        self._handle.write(chunk)

    def finish(self) -> int:
        """Close the file and put it in place; return its size."""
        assert self._handle is not None, "finish() twice"
        self._handle.close()
        self._handle = None
        if self.size == 0:
            self._partial.unlink(missing_ok=True)
            raise ValidationError.single("file", "INVALIDBATCH", "The request holds no data")
        self._partial.replace(self.path)
        return self.size

    def abandon(self) -> None:
        """Close and remove a partial upload."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._partial.unlink(missing_ok=True)


def data_rows(source: CsvSource) -> Iterator[list[str]]:
    """The rows of an open upload that hold something (blank lines are no records)."""
    for _, cells in source.rows():
        if any(c.strip() for c in cells):
            yield cells


class ResultFile:
    """A result file opened for appending rows (created with its header when new)."""

    def __init__(self, path: Path, header: Sequence[str], delimiter: str, line_ending: str) -> None:
        self.path, self.header = path, list(header)
        self.delimiter, self.line_ending = delimiter, line_ending

    def __enter__(self) -> ResultFile:
        fresh = not self.path.exists()
        self._stream = self.path.open("a", encoding="utf-8", newline="")
        self._writer = csv.writer(
            self._stream, delimiter=self.delimiter, lineterminator=self.line_ending,
            quoting=csv.QUOTE_ALL,
        )  # fmt: skip
        if fresh:
            self._writer.writerow(self.header)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stream.close()

    def add(self, cells: Sequence[str]) -> None:
        """Write one row."""
        self._writer.writerow(cells)

    def flush(self) -> None:
        """Push what was written to disk (before the chunk's progress commits)."""
        self._stream.flush()
        os.fsync(self._stream.fileno())


def read_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes in chunks (for streaming a response)."""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def header_line(header: Sequence[str], delimiter: str, line_ending: str) -> str:
    """A result file's header alone (the file of a job with no such rows)."""
    quoted = [f'"{h.replace(chr(34), chr(34) * 2)}"' for h in header]
    return delimiter.join(quoted) + line_ending
