"""Importing the rows of one export file through Opportune's services.

Each row is created or updated by the record's own service (validation, duplicate rules,
history), then the import keeps its Salesforce id, external id and creation moment with
:class:`~opportune.db.repositories.salesforce_keys.SalesforceKeyRepository`. That
repository also writes what no service accepts: an owner who is an inactive user (a
Salesforce user who has left still owns records) and the conversion of a lead exported
as converted. A row whose Salesforce id is already in Opportune is updated, or skipped
when nothing changed, so running the same export again duplicates nothing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opportune.db.repositories.salesforce_keys import ImportedConversion
from opportune.domain.salesforce.export_rows import ExportRow, ValueNote
from opportune.domain.salesforce.objects import SObject
from opportune.domain.users import User
from opportune.errors import FieldError, OpportuneError, ValidationError
from opportune.services.salesforce.migration_files import Chunk
from opportune.services.salesforce.migration_owners import OwnerMap
from opportune.services.salesforce.migration_picklists import PicklistMapper
from opportune.services.salesforce.migration_report import (
    ErrorFile,
    RowError,
    SalesforceImportReport,
)
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

KINDS = {"Account": "account", "Contact": "contact", "Opportunity": "opportunity",
         "Lead": "lead", "Task": "activity", "User": "user"}  # fmt: skip
_SERVICES = {"account": "accounts", "contact": "contacts", "opportunity": "opportunities",
             "lead": "leads", "activity": "activities"}  # fmt: skip
# The Opportune kind a reference input points at.
_TARGETS = {"account_id": "account", "parent_account_id": "account", "contact_id": "contact",
            "lead_id": "lead", "opportunity_id": "opportunity"}  # fmt: skip
_TASK_FIELDS = {"lead_id": "WhoId", "contact_id": "WhoId", "account_id": "WhatId",
                "opportunity_id": "WhatId"}  # fmt: skip
# Not compared to tell an update from an unchanged row: the update itself sets them.
_STAMPS = ("updated_at", "updated_by_id", "version", "is_unread_by_owner")
_MISSING = "INVALID_CROSS_REFERENCE_KEY"


@dataclass(slots=True)
class ImportContext:
    """What every row of an import needs: the services, the writer, owners and picklists.

    ``writer`` is the user the services record as creating and changing the records.
    """

    core: Opportune
    actor: User | None
    writer: User
    owners: OwnerMap
    picklists: PicklistMapper
    report: SalesforceImportReport
    errors: ErrorFile

    def fail(self, file: str, line: int, row: ExportRow, reason: str) -> None:
        """Report a row that could not be imported."""
        self.errors.add(RowError(file, line, row.salesforce_id or "", reason))

    def note(self, object_name: str, notes: list[ValueNote]) -> None:
        """Count the values of a row the import changed."""
        for note in notes:
            self.report.values[(object_name, note.field, note.value, note.action)] += 1


@dataclass(slots=True)
class Lookups:
    """One chunk's references: Opportune ids by kind and Salesforce id, and for the
    converted leads among them, their contact and opportunity."""

    ids: dict[str, dict[str, int]]
    converted: dict[int, tuple[int | None, int | None]]

    def get(self, kind: str, salesforce_id: str | None) -> int | None:
        """The Opportune id of a record by its Salesforce id (None: not imported)."""
        return self.ids.get(kind, {}).get(salesforce_id or "")


def lookup_chunk(core: Opportune, object_name: str, chunk: Chunk) -> Lookups:
    """Find, in one read, every record a chunk of rows is or points at."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for _, row in chunk:
        if row.salesforce_id:
            wanted[KINDS[object_name]].add(row.salesforce_id)
        for name, target in row.references.items():
            if name in _TARGETS:
                wanted[_TARGETS[name]].add(target)
        if row.conversion is not None:
            conversion = row.conversion
            for kind, converted in (("account", conversion.account),
                                    ("contact", conversion.contact),
                                    ("opportunity", conversion.opportunity)):  # fmt: skip
                if converted:
                    wanted[kind].add(converted)
    with UnitOfWork(core.engine) as uow:
        keys = uow.salesforce_keys
        ids = {kind: keys.ids_by_salesforce_id(kind, found) for kind, found in wanted.items()}
        leads = keys.converted_targets(ids.get("lead", {}).values())
    return Lookups(ids, leads)


class RowImporter:
    """Creates or updates the Opportune record of each row of one object's export file."""

    def __init__(self, ctx: ImportContext, sobject: SObject, file_name: str) -> None:
        self.ctx = ctx
        self.sobject = sobject
        self.file_name = file_name
        self.kind = KINDS[sobject.name]
        self.service: Any = getattr(ctx.core, _SERVICES[self.kind])

    def run(self, line: int, row: ExportRow, lookups: Lookups) -> None:
        """Import one row, counting the outcome; a failure is reported, never raised."""
        counts = self.ctx.report.counts_for(self.sobject.name)
        counts.read += 1
        try:
            outcome = self._import(row, lookups)
        except OpportuneError as exc:
            counts.failed += 1
            self.ctx.fail(self.file_name, line, row, self.reason(exc))
        else:
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        self.ctx.note(self.sobject.name, row.notes)

    def reason(self, exc: OpportuneError) -> str:
        """The error in Salesforce's field names, as the person migrating knows them."""
        if isinstance(exc, ValidationError) and exc.fields:
            return "; ".join(f"{self._sf_name(e.field)}: {e.message}" for e in exc.fields)
        return exc.message

    def _sf_name(self, name: str) -> str:
        if self.kind == "activity" and name in _TASK_FIELDS:
            return _TASK_FIELDS[name]
        found = next((f.name for f in self.sobject.fields if f.input == name), None)
        return found or name

    def _import(self, row: ExportRow, lookups: Lookups) -> str:
        if row.problems:
            raise ValidationError(row.problems)
        if row.is_deleted:
            self.ctx.report.deleted_rows += 1
            return "skipped"
        data = dict(row.values)
        data.pop("parent_account_id", None)  # linked in a second pass: parents come later
        self._resolve(row, lookups, data)
        owner = self.ctx.owners.resolve(row.references.get("owner_id"), self.ctx.report)
        self.ctx.picklists.apply(self.sobject.name, row, data)
        conversion = self._conversion(row, lookups, data)
        existing = lookups.get(self.kind, row.salesforce_id)
        if existing is None:
            return self._create(row, data, owner, conversion)
        return self._update(existing, row, data, owner, conversion)

    def _resolve(self, row: ExportRow, lookups: Lookups, data: dict[str, object]) -> None:
        """Turn the row's Salesforce references into Opportune ids; refuse missing ones."""
        missing = []
        for name, target in row.references.items():
            if name not in _TARGETS or name == "parent_account_id":
                continue
            data[name] = lookups.get(_TARGETS[name], target)
            if data[name] is None:
                message = f"No record with Salesforce id {target} in the export or in Opportune"
                missing.append((name, message))
        if missing:
            raise ValidationError([FieldError(name, _MISSING, text) for name, text in missing])
        if self.kind == "activity":
            _move_off_converted_lead(row, lookups, data)

    def _conversion(
        self, row: ExportRow, lookups: Lookups, data: dict[str, object]
    ) -> ImportedConversion | None:
        conversion = row.conversion
        if conversion is None:
            return None
        ids = {}
        for name, kind, target in (
            ("ConvertedAccountId", "account", conversion.account),
            ("ConvertedContactId", "contact", conversion.contact),
            ("ConvertedOpportunityId", "opportunity", conversion.opportunity),
        ):
            ids[kind] = lookups.get(kind, target)
            if ids[kind] is None and (target or kind != "opportunity"):
                message = f"The lead was converted into {target or 'no record'}, not imported"
                raise ValidationError.single(name, _MISSING, message)
        status = self.ctx.picklists.converted_status(row, row.values.get("status"))
        return ImportedConversion(status.id, conversion.converted_date, ids["account"],
                                  ids["contact"], ids["opportunity"])  # fmt: skip

    def _create(
        self,
        row: ExportRow,
        data: dict[str, object],
        owner: tuple[int, bool],
        conversion: ImportedConversion | None,
    ) -> str:
        owner_id, active = owner
        # The services want an active owner: an inactive one is set just after.
        data["owner_id"] = owner_id if active else self.ctx.owners.default_id
        # The keys are written with the record, so a re-run after a crash finds it.
        keys = {"salesforce_id": row.salesforce_id, "external_id": row.keys.get("external_id")}
        options: dict[str, Any] = {"assign": False} if self.kind == "lead" else {}
        record = self.service.create(self.ctx.writer, data, keys=keys, **options)
        self._keep_keys(record.id, row, None if active else owner_id, conversion, created=True)
        return "created"

    def _update(
        self,
        record_id: int,
        row: ExportRow,
        data: dict[str, object],
        owner: tuple[int, bool],
        conversion: ImportedConversion | None,
    ) -> str:
        before = self._get(record_id)
        if self.kind == "lead" and before.is_converted:
            return "skipped"  # converted leads are read-only, in Salesforce as here
        data.pop("kind", None)
        owner_id, active = owner
        if active:
            data["owner_id"] = owner_id
        after = self.service.update(self.ctx.writer, record_id, data)
        new_owner = owner_id if not active and after.owner_id != owner_id else None
        self._keep_keys(record_id, row, new_owner, conversion, created=False)
        changed = _comparable(before) != _comparable(after)
        return "updated" if changed or new_owner or conversion else "skipped"

    def _get(self, record_id: int) -> Any:
        if self.kind == "lead":
            return self.service.get(self.ctx.writer, record_id, mark_read=False)
        return self.service.get(self.ctx.writer, record_id)

    def _keep_keys(
        self,
        record_id: int,
        row: ExportRow,
        owner_id: int | None,
        conversion: ImportedConversion | None,
        *,
        created: bool,
    ) -> None:
        assert row.salesforce_id is not None
        with UnitOfWork(self.ctx.core.engine, write=True) as uow:
            uow.salesforce_keys.set_keys(
                self.kind, record_id, salesforce_id=row.salesforce_id,
                external_id=row.keys.get("external_id"), owner_id=owner_id,
                created_at=row.created_at if created else None,
            )  # fmt: skip
            if conversion is not None:
                uow.salesforce_keys.mark_converted(record_id, conversion)
            uow.commit()


def _move_off_converted_lead(row: ExportRow, lookups: Lookups, data: dict[str, object]) -> None:
    """A task on a converted lead goes to the lead's contact (and opportunity), as
    Salesforce's conversion moves it: a converted lead takes no new activities."""
    lead_id = data.get("lead_id")
    if not isinstance(lead_id, int) or lead_id not in lookups.converted:
        return
    contact_id, opportunity_id = lookups.converted[lead_id]
    data["lead_id"] = None
    data["contact_id"] = contact_id
    if data.get("account_id") is None and data.get("opportunity_id") is None:
        data["opportunity_id"] = opportunity_id
    action = "moved to the converted lead's contact"
    row.notes.append(ValueNote("WhoId", row.references.get("lead_id", ""), action))


def _comparable(record: Any) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    for name in _STAMPS:
        values.pop(name, None)
    return values
