"""Rows of a Bulk API 2.0 job as Salesforce field values, and what became of each row.

A CSV cell is text; Salesforce's JSON input is typed. :func:`row_fields` turns a row into
the field dictionary the record service takes: an empty cell is a field left out (as in
Salesforce's bulk CSV), ``#N/A`` sets the field to null, and booleans and numbers become
JSON values where they read as such (anything else goes through as text, for the record
service to reject with its own message).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opportune.domain.salesforce.bulk_jobs import row_error
from opportune.domain.salesforce.objects import SObject
from opportune.errors import FieldError, OpportuneError, ValidationError

__all__ = ["NULL", "RowResult", "failure", "row_fields", "success"]

NULL = "#N/A"
_NUMBERS = {"currency", "double", "percent"}


@dataclass(frozen=True, slots=True)
class RowResult:
    """What became of one row: saved (with its id and whether it was created) or not."""

    cells: list[str]
    record_id: str = ""
    created: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the row was saved."""
        return self.error is None


def success(cells: list[str], record_id: str, created: bool) -> RowResult:
    """A saved row."""
    return RowResult(cells, record_id, created)


def failure(cells: list[str], exc: OpportuneError, record_id: str = "") -> RowResult:
    """A rejected row, with the error as Salesforce words it."""
    return RowResult(cells, record_id, error=row_error(error_fields(exc)))


def error_fields(exc: OpportuneError) -> list[FieldError]:
    """The field errors of an error (one made of its code and message when it has none)."""
    if isinstance(exc, ValidationError) and exc.fields:
        return list(exc.fields)
    return [FieldError("", exc.code, exc.message)]


def row_fields(sobject: SObject, header: Sequence[str], cells: Sequence[str]) -> dict[str, Any]:
    """The row as Salesforce input: ``{field: value}`` for every non-empty cell."""
    fields: dict[str, Any] = {}
    for name, text in zip(header, cells, strict=False):
        if not name or not text:
            continue
        fields[name] = None if text == NULL else _typed(sobject, name, text)
    return fields


def _typed(sobject: SObject, name: str, text: str) -> Any:
    found = sobject.field(name)
    kind = found.type if found is not None else "string"
    try:
        if kind == "boolean" and text.lower() in ("true", "false", "1", "0"):
            return text.lower() in ("true", "1")
        if kind == "int":
            return int(text)
        if kind in _NUMBERS:
            return float(text)
    except ValueError:
        return text
    return text
