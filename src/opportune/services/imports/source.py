"""Reading a CSV file as a stream: its digest, its delimiter, its header and its rows.

Files are never loaded whole: the csv module reads a text stream record by record, which
handles the quoting Excel and Salesforce write (doubled quotes, commas and newlines inside
quoted cells). ``utf-8`` is read as ``utf-8-sig`` so a byte-order mark never ends up in the
first header. Each row comes with the physical line it starts on, so an error file can
point people at the line their editor shows.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from opportune.errors import ValidationError

__all__ = ["CsvSource", "count_rows", "file_digest", "python_encoding", "sniff_delimiter"]

# Descriptions may hold 32,000 characters; leave room for generous files.
csv.field_size_limit(16 * 1024 * 1024)
# A hostile file must not make one record cost more memory than this: a physical line is
# read at most MAX_LINE_CHARS characters at a time (the csv module would otherwise hold a
# whole line without a newline, up to the upload limit, at up to four bytes a character),
# and a header may name at most MAX_COLUMNS columns (Salesforce objects have fewer than
# 1,000 fields). Quoted multi-line cells are still bounded by the field size limit.
MAX_LINE_CHARS = 4 * 1024 * 1024
MAX_COLUMNS = 2000
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE = 64 * 1024


def python_encoding(encoding: str) -> str:
    """The codec to read ``encoding`` with (UTF-8 with or without a byte-order mark)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ValidationError.single(
            "encoding", "INVALID_ENCODING", f"Unknown encoding '{encoding}'"
        ) from exc
    return "utf-8-sig" if name in ("utf-8", "utf-8-sig") else name


def file_digest(path: Path) -> tuple[str, int]:
    """The file's SHA-256 (hex) and size in bytes, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sniff_delimiter(path: Path, encoding: str) -> str:
    """The delimiter of the header line: the most frequent of , ; tab | outside quotes."""
    with _open(path, encoding) as stream:
        try:
            sample = stream.read(_SAMPLE)
        except UnicodeDecodeError as exc:
            raise encoding_error(encoding, "at the start") from exc
    first = _first_record(sample)
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def encoding_error(encoding: str, where: str) -> ValidationError:
    """The error for a file that is not in the encoding it is read with."""
    message = (
        f"The file is not valid {encoding} {where}: "
        "choose its encoding (for example latin-1 or cp1252)"
    )
    return ValidationError.single("encoding", "INVALID_ENCODING", message)


def _first_record(sample: str) -> str:
    """The text of the first record, with quoted parts left out."""
    out: list[str] = []
    quoted = False
    for char in sample:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted:
            out.append(char)
    return "".join(out)


def _open(path: Path, encoding: str) -> IO[str]:
    return path.open("r", encoding=python_encoding(encoding), newline="")


def count_rows(path: Path, encoding: str, delimiter: str) -> int:
    """How many data rows (records after the header) the file holds."""
    with CsvSource(path, encoding, delimiter) as source:
        return sum(1 for _ in source.rows())


@dataclass
class CsvSource:
    """An open CSV file: :attr:`header`, then :meth:`rows` with their line numbers.

    Decoding errors surface as :class:`ValidationError` naming the line, with a hint.
    """

    path: Path
    encoding: str
    delimiter: str = ","

    def __enter__(self) -> CsvSource:
        self._stream = _open(self.path, self.encoding)
        try:
            self.reader = csv.reader(_bounded_lines(self._stream), delimiter=self.delimiter)
            self.header = [h.strip() for h in self._next() or []]
        except BaseException:
            self._stream.close()  # __exit__ does not run when __enter__ fails
            raise
        if len(self.header) > MAX_COLUMNS:
            self._stream.close()
            raise ValidationError.single(
                "file",
                "TOO_MANY_COLUMNS",
                f"The header has {len(self.header):,} columns; a file may have at most "
                f"{MAX_COLUMNS:,}",
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stream.close()

    def _next(self) -> list[str] | None:
        try:
            return next(self.reader)
        except StopIteration:
            return None
        except UnicodeDecodeError as exc:
            raise self._decode_error() from exc
        except csv.Error as exc:
            raise ValidationError.single(
                "file", "INVALID_CSV", f"Line {self.reader.line_num + 1}: {exc}"
            ) from exc

    def _decode_error(self) -> ValidationError:
        return encoding_error(self.encoding, f"near line {self.reader.line_num + 1}")

    def rows(self, skip: int = 0) -> Iterator[tuple[int, list[str]]]:
        """Each data row with the physical line it starts on, after the first ``skip``."""
        seen = 0
        while True:
            start = self.reader.line_num + 1
            row = self._next()
            if row is None:
                return
            seen += 1
            if seen > skip:
                yield start, row


def _bounded_lines(stream: IO[str]) -> Iterator[str]:
    """The physical lines of ``stream``, refusing one longer than :data:`MAX_LINE_CHARS`
    before it is read whole."""
    number = 0
    while line := stream.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise ValidationError.single(
                "file",
                "LINE_TOO_LONG",
                f"Line {number:,} is longer than {MAX_LINE_CHARS:,} characters: "
                "is a closing quote or a line break missing?",
            )
        yield line
