"""Before an import runs: which column is which field, how dates read, what the rows hold.

Shared by :meth:`ImportService.start` (which records the import) and
:meth:`ImportService.preview` (which only looks).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from opportune.domain.fields import Kind
from opportune.domain.imports import SPECS, ColumnMapping, Formats, map_columns
from opportune.domain.imports.records import Lists, RecordBuilder, References
from opportune.domain.imports.values import guess_day_first
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services.imports.error_file import EXTRA_COLUMNS
from opportune.services.imports.model import DUPLICATE_CHOICES, OBJECT_TYPES
from opportune.services.imports.source import CsvSource, sniff_delimiter
from opportune.services.picklists import load_lead_picklists
from opportune.services.pipeline import load_pipeline
from opportune.services.uow import UnitOfWork

__all__ = [
    "FileLayout",
    "check_choices",
    "formats",
    "load_lists",
    "load_references",
    "make_builder",
    "read_layout",
    "resolve_overrides",
]

_DATE_SAMPLE = 2000


@dataclass(frozen=True, slots=True)
class FileLayout:
    """A file's delimiter, header and columns, and how its dates read."""

    delimiter: str
    header: list[str]
    columns: ColumnMapping
    day_first: bool

    def mapping(self) -> dict[str, str | None]:
        """Each header's field (``None``: ignored), as stored with the import."""
        return {h: self.columns.fields.get(i) for i, h in enumerate(self.header)}


def check_choices(object_type: str, duplicates: str, date_format: str) -> None:
    """Refuse an unknown kind of record, duplicate choice or date format."""
    errors = []
    if object_type not in OBJECT_TYPES:
        errors.append(FieldError("object_type", "INVALID_OBJECT_TYPE",
                                 f"Must be one of: {', '.join(OBJECT_TYPES)}"))  # fmt: skip
    if duplicates not in DUPLICATE_CHOICES:
        errors.append(FieldError("duplicates", "INVALID_CHOICE",
                                 f"Must be one of: {', '.join(DUPLICATE_CHOICES)}"))  # fmt: skip
    if date_format not in ("auto", "dmy", "mdy"):
        errors.append(FieldError("date_format", "INVALID_CHOICE", "Must be auto, dmy or mdy"))
    if errors:
        raise ValidationError(errors)


def resolve_overrides(
    uow: UnitOfWork,
    object_type: str,
    mapping: Mapping[str, str | None] | None,
    saved_mapping: str | None,
) -> dict[str, str | None]:
    """The saved mapping's columns (when named) with ``mapping`` on top."""
    columns: dict[str, str | None] = {}
    if saved_mapping:
        found = uow.imports.mapping(object_type, saved_mapping)
        if found is None:
            raise NotFoundError(f"No saved {object_type} mapping named '{saved_mapping}'")
        columns.update(found["columns"])
    columns.update(mapping or {})
    return columns


def read_layout(
    object_type: str,
    path: Path,
    encoding: str,
    overrides: Mapping[str, str | None],
    *,
    delimiter: str | None = None,
    date_format: str = "auto",
    defaults: Mapping[str, str] | None = None,
) -> FileLayout:
    """Read the header, map the columns and settle the date order; raise naming every
    problem (unmapped required fields, two columns for one field, unknown fields)."""
    if not path.is_file():
        raise NotFoundError(f"No file {path}")
    delimiter = delimiter or sniff_delimiter(path, encoding)
    with CsvSource(path, encoding, delimiter) as source:
        header = source.header
        if not any(header):
            raise ValidationError.single("file", "EMPTY_FILE", "The file has no header row")
        given = {**{c: None for c in EXTRA_COLUMNS if c in header}, **overrides}
        columns = map_columns(object_type, header, given)
        if isinstance(columns, list):
            raise ValidationError(columns, "The columns cannot be mapped: " + _describe(columns))
        _check_required(object_type, columns, defaults or {})
        day_first = _day_first(date_format, object_type, columns, source)
    return FileLayout(delimiter, header, columns, day_first)


def _describe(errors: list[FieldError]) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in errors)


def _check_required(kind: str, columns: ColumnMapping, defaults: Mapping[str, str]) -> None:
    spec = SPECS[kind]
    bad = [FieldError(n, "INVALID_FIELD", f"{kind.capitalize()}s have no field '{n}'")
           for n in defaults if n not in spec.names]  # fmt: skip
    mapped = set(columns.fields.values()) | set(defaults)
    required = [*spec.required, *(["account_id"] if kind == "opportunity" else [])]
    bad += [FieldError(n, "REQUIRED_FIELD_MISSING",
                       f"No column for {n}, which is required: map one (--map \"Header={n}\")")
            for n in dict.fromkeys(required) if n not in mapped]  # fmt: skip
    if bad:
        raise ValidationError(bad, _describe(bad))


def _day_first(date_format: str, kind: str, columns: ColumnMapping, source: CsvSource) -> bool:
    if date_format != "auto":
        return date_format == "dmy"
    dates = [
        i for i, n in columns.fields.items() if (s := SPECS[kind].get(n)) and s.kind is Kind.DATE
    ]
    if not dates:
        return False
    texts = (row[i] for _, row in itertools.islice(source.rows(), _DATE_SAMPLE)
             for i in dates if i < len(row))  # fmt: skip
    return bool(guess_day_first(texts))


def load_lists(uow: UnitOfWork, currency: str) -> Lists:
    """The picklists and pipeline the rules need, read once."""
    pipeline = load_pipeline(uow)
    return Lists(
        load_lead_picklists(uow), tuple(pipeline.stages), tuple(pipeline.lost_reasons), currency
    )


def load_references(uow: UnitOfWork) -> References:
    """Every active user by email and id (accounts are resolved batch by batch)."""
    users = [u for u in uow.users.all() if u.is_active and u.id is not None]
    by_email = {u.email.lower(): u.id for u in users if u.id is not None}
    return References(by_email, frozenset(u.id for u in users if u.id is not None))


def make_builder(
    uow: UnitOfWork, kind: str, currency: str, actor_id: int, now: datetime
) -> RecordBuilder:
    """A record builder with the lists and users as they are now."""
    return RecordBuilder(
        kind, load_lists(uow, currency), load_references(uow), actor_id=actor_id, now=now
    )


def formats(day_first: bool, delimiter: str) -> Formats:
    """How the file writes dates and numbers: semicolon files use decimal commas."""
    return Formats(day_first=day_first, decimal_comma=delimiter == ";")
