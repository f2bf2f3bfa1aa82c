"""Bulk inserts of leads, accounts, contacts and opportunities through the CSV import.

An insert job whose columns are all fields the CSV import knows runs on the import's own
batch engine (:class:`~opportune.services.imports.batch.Batch`): the same column mapping,
the same record rules, the same bulk insert, and the records are tied to an import (so
the import list shows the job and it can be reverted). Duplicates are created anyway, as
Salesforce's Bulk API does. Salesforce ids in reference columns (``OwnerId``,
``AccountId``, ``ParentId``) are turned into Opportune ids first, and the errors of
rejected rows are named by Salesforce field. Each row's record is read off the batch, so
every row gets its own result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from opportune.domain.imports import SPECS, ColumnMapping
from opportune.domain.salesforce.bulk_jobs import row_error
from opportune.domain.salesforce.ids import parse_id, sf_id
from opportune.domain.salesforce.objects import SfField, SObject
from opportune.errors import FieldError, ValidationError
from opportune.services.imports.batch import Batch
from opportune.services.imports.model import ImportOptions
from opportune.services.imports.setup import formats, make_builder
from opportune.services.salesforce.bulk_rows import NULL, RowResult, failure, success
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["ImportPath", "import_fields"]


def import_fields(sobject: SObject, header: Sequence[str]) -> list[SfField] | None:
    """The field of each column when the CSV import can take every one of them (None
    when it cannot: another object, an unknown, read-only or repeated column)."""
    spec = SPECS.get(sobject.kind)
    if spec is None:
        return None
    fields = [sobject.field(h) for h in header]
    usable = [f for f in fields if f is not None and f.input in spec.names]
    return usable if len(usable) == len(header) and len(set(header)) == len(header) else None


class ImportPath:
    """Inserts the rows of one job, chunk by chunk, with the import's batch engine."""

    def __init__(
        self, core: Opportune, sobject: SObject, fields: list[SfField], actor_id: int,
        import_id: int,
    ) -> None:  # fmt: skip
        self.sobject, self.fields = sobject, fields
        self.names = {f.input: f.name for f in fields if f.input}
        now = core.clock()
        with UnitOfWork(core.engine) as uow:
            builder = make_builder(uow, sobject.kind, core.settings.currency, actor_id, now)
        inputs = [f.input or "" for f in fields]
        self.batch = Batch(
            kind=sobject.kind, header=inputs, columns=ColumnMapping(dict(enumerate(inputs))),
            formats=formats(False, ","), defaults={}, builder=builder, lists=builder.lists,
            duplicates="create", assigner=None, import_id=import_id, actor_id=actor_id, now=now,
        )  # fmt: skip

    def run(self, uow: UnitOfWork, rows: Sequence[list[str]]) -> list[RowResult]:
        """Insert the rows in ``uow`` (committed by the caller); one result per row."""
        results: dict[int, RowResult] = {}
        converted: list[tuple[int, list[str]]] = []
        for index, cells in enumerate(rows):
            try:
                converted.append((index, self._cells(cells)))
            except ValidationError as exc:
                results[index] = failure(cells, exc)
        staged = self.batch.decide(uow, self.batch.stage(converted))
        self.batch.save(uow, staged)
        for item in staged.items or []:
            if item.fate == "create" and item.record.id is not None:
                results[item.line] = success(rows[item.line], self._id(item.record.id), True)
        for error in staged.outcome.errors:
            message = row_error(self._named(error.errors))
            results[error.line] = RowResult(rows[error.line], error=message)
        return [results.get(i) or _unsaved(cells) for i, cells in enumerate(rows)]

    def _id(self, record_id: int) -> str:
        return sf_id(self.sobject.name, record_id)

    def _cells(self, cells: list[str]) -> list[str]:
        """The row with Salesforce ids turned into Opportune ids (``#N/A``: empty)."""
        out = []
        for field, text in zip(self.fields, cells, strict=False):
            value = "" if text == NULL else text
            if value and field.type == "reference" and field.reference_to:
                value = str(parse_id(value, field.reference_to[0], field.name))
            out.append(value)
        return out

    def _named(self, errors: Sequence[FieldError]) -> list[FieldError]:
        """The errors with Opportune's field names replaced by Salesforce's."""
        return [FieldError(self.names.get(e.field, e.field), e.code, e.message) for e in errors]


def _unsaved(cells: list[str]) -> RowResult:
    return RowResult(cells, error="UNKNOWN_EXCEPTION:The row was not saved: --")


def import_values(
    sobject: SObject, file_name: str, size: int, actor_id: int, now: datetime,
    mapping: dict[str, str | None],
) -> dict[str, object]:  # fmt: skip
    """The ``imports`` row that ties a bulk job's records to an import. It names no
    stored file, so an import resume can never run the job's file a second time."""
    options = ImportOptions(duplicates="create", assign=False).as_json()
    return {
        "object_type": sobject.kind, "file_name": file_name, "file_sha256": "",
        "file_size": size, "stored_path": None, "encoding": "utf-8", "mapping": mapping,
        "options": options, "status": "running", "created_by_id": actor_id,
        "created_at": now, "started_at": now,
    }  # fmt: skip
