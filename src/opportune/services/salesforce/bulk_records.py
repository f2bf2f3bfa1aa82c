"""Bulk rows through the Salesforce record service, one row at a time.

Updates, upserts, deletes, Task inserts, and inserts with columns the CSV import does not
know (external ids, for one) go through ``core.sobjects`` exactly as the REST API's
single-record calls do: the same field mapping, rules and permissions. Each row commits
on its own, so one bad row never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.ids import to_18
from opportune.domain.salesforce.objects import SObject
from opportune.domain.users import User
from opportune.errors import OpportuneError, ValidationError
from opportune.services.salesforce.bulk_rows import RowResult, failure, row_fields, success

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["RecordPath"]

log = logging.getLogger(__name__)


class RecordPath:
    """Saves the rows of one job through the record service."""

    def __init__(
        self, core: Opportune, actor: User, sobject: SObject, operation: str,
        external_id_field: str | None, header: Sequence[str],
    ) -> None:  # fmt: skip
        self.records = core.sobjects
        self.actor, self.sobject, self.operation = actor, sobject, operation
        self.external_id_field, self.header = external_id_field, list(header)

    def run(self, rows: Sequence[list[str]]) -> list[RowResult]:
        """One result per row, in order."""
        return [self._one(cells) for cells in rows]

    def _one(self, cells: list[str]) -> RowResult:
        fields = row_fields(self.sobject, self.header, cells)
        try:
            return self._save(cells, fields)
        except OpportuneError as exc:
            return failure(cells, exc, _given_id(fields))
        except Exception as exc:  # one row's crash must not stop the job
            log.exception("Bulk row failed")
            error = OpportuneError(f"{type(exc).__name__}: {exc}", code="UNKNOWN_EXCEPTION")
            return failure(cells, error, _given_id(fields))

    def _save(self, cells: list[str], fields: dict[str, Any]) -> RowResult:
        name = self.sobject.name
        if self.operation == "insert":
            return success(cells, self.records.create(self.actor, name, fields), True)
        if self.operation == "upsert":
            key = self.external_id_field or ""
            value = _take(fields, key, "upsert")
            saved, created = self.records.upsert(self.actor, name, key, value, fields)
            return success(cells, saved, created)
        record_id = _take(fields, "Id", self.operation)
        if self.operation == "update":
            self.records.update(self.actor, name, record_id, fields)
        else:
            self.records.delete(self.actor, name, record_id)
        return success(cells, to_18(record_id) or record_id, False)


def _take(fields: dict[str, Any], name: str, operation: str) -> str:
    """Remove and return the field a row is matched on; Salesforce's error without it."""
    key = next((k for k in fields if k.lower() == name.lower()), None)
    value = fields.pop(key) if key is not None else None
    if not isinstance(value, str) or not value:
        raise ValidationError.single(
            name, "MISSING_ARGUMENT", f"{name} not specified in an {operation} call"
        )
    return value


def _given_id(fields: dict[str, Any]) -> str:
    value = next((v for k, v in fields.items() if k.lower() == "id"), None)
    return (to_18(value) or value) if isinstance(value, str) else ""
