"""Streamed CSV exports of filtered lists, re-importable as they are.

An export reads the list page by page (the same keyset pages and the same filters as the
list pages, API and CLI), so memory stays bounded however long the list is. The header is
``id`` followed by the record's input field names, which ``opportune import`` maps back
on its own; picklists are written as labels, owners as email addresses, dates as ISO
``YYYY-MM-DD``, decimals as plain digits and flags as ``true``/``false``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TextIO, get_args

from sqlalchemy import Engine

from opportune.domain.accounts import Account
from opportune.domain.audit import AuditAction
from opportune.domain.contacts import Contact
from opportune.domain.imports.columns import SPECS
from opportune.domain.spreadsheet import guard_formula
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services.accounts import AccountFilters, AccountService
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.contacts import ContactFilters, ContactService
from opportune.services.filters import LeadFilters
from opportune.services.leads import LeadService
from opportune.services.opportunities import OpportunityFilters, OpportunityService
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

ObjectType = Literal["lead", "account", "contact", "opportunity"]
OBJECT_TYPES: tuple[str, ...] = get_args(ObjectType)
Filters = LeadFilters | AccountFilters | ContactFilters | OpportunityFilters
FILTER_TYPES: dict[str, type[Any]] = {
    "lead": LeadFilters,
    "account": AccountFilters,
    "contact": ContactFilters,
    "opportunity": OpportunityFilters,
}
# Each page is one transaction; the CSV text of a page is one chunk of the stream.
PAGE_ROWS = 500
Row = dict[str, Any]
# One page of an export: the rows as flat dicts, and the cursor of the next page.
PageReader = Callable[[str | None], tuple[list[Row], str | None]]


def columns(object_type: str) -> list[str]:
    """The export header of ``object_type``: ``id`` and then its input fields, in order."""
    return ["id", *(spec.name for spec in SPECS[object_type].fields)]


def cell(value: object) -> str:
    """One value as CSV text, in a form the import reads back unchanged (text starting
    like a formula guarded with an apostrophe, which the import strips)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    # Text that a spreadsheet would run as a formula gets a leading apostrophe.
    return guard_formula(str(value))


class ExportService:
    """Streamed CSV exports of filtered lists, re-importable as they are."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings
        page_max = settings.page_size_max
        self._leads = LeadService(engine, clock, page_max)
        self._accounts = AccountService(engine, clock, page_max)
        self._contacts = ContactService(engine, clock, page_max)
        self._opportunities = OpportunityService(engine, clock, settings.currency, page_max)

    def stream(
        self, actor: User, object_type: str, filters: Filters | None = None
    ) -> Iterator[str]:
        """The CSV text of the filtered list, in chunks (the header, then a page each).

        Bad filters raise :class:`ValidationError` here, before any text is produced, so
        interfaces can answer with an error rather than a broken file.
        """
        return (_csv_text(lines) for lines in self._lines(actor, object_type, filters))

    def export(self, actor: User, object_type: str, filters: Filters | None, out: TextIO) -> int:
        """Write the CSV of the filtered list to ``out`` (a text file opened with
        ``newline=""``) a page at a time; return how many records it holds."""
        count = -1  # the header is no record
        for lines in self._lines(actor, object_type, filters):
            out.write(_csv_text(lines))
            count += len(lines)
        return count

    def _lines(
        self, actor: User, object_type: str, filters: Filters | None
    ) -> Iterator[list[list[str]]]:
        read = self._reader(actor, object_type, filters)
        first_rows, cursor = read(None)  # validates the filters now, not on first use
        self._audit(actor, object_type, filters)
        return _pages(columns(object_type), first_rows, cursor, read)

    def _audit(self, actor: User, object_type: str, filters: Filters | None) -> None:
        """Record who started which export with which filters (it streams: no count yet)."""
        chosen = dataclasses.asdict(filters) if filters is not None else {}
        skip = {"cursor", "limit", "with_total", "sort"}
        used = {
            k: _plain(v)
            for k, v in chosen.items()
            if k not in skip and v not in (None, (), [], False)
        }
        with UnitOfWork(self.engine, write=True) as uow:
            audit(uow, AuditAction.EXPORTED, actor, self.clock(), object_type=object_type,
                  details={"format": "csv", "filters": used})  # fmt: skip
            uow.commit()

    def _reader(self, actor: User, object_type: str, filters: Filters | None) -> PageReader:
        if object_type not in OBJECT_TYPES:
            raise ValidationError.single(
                "object_type", "INVALID_FIELD", f"Export one of: {', '.join(OBJECT_TYPES)}"
            )
        chosen = filters if filters is not None else FILTER_TYPES[object_type]()
        if not isinstance(chosen, FILTER_TYPES[object_type]):
            raise TypeError(f"{object_type} exports take {FILTER_TYPES[object_type].__name__}")
        limit = min(PAGE_ROWS, self.settings.page_size_max)
        base = dataclasses.replace(chosen, limit=limit, with_total=False, cursor=None)
        owners = self._owner_emails()
        readers: dict[str, Callable[[Any, str | None], tuple[list[Row], str | None]]] = {
            "lead": lambda f, c: self._lead_page(actor, f, c, owners),
            "account": lambda f, c: self._account_page(actor, f, c, owners),
            "contact": lambda f, c: self._contact_page(actor, f, c, owners),
            "opportunity": lambda f, c: self._opportunity_page(actor, f, c, owners),
        }
        read = readers[object_type]
        return lambda cursor: read(dataclasses.replace(base, cursor=cursor), cursor)

    def _owner_emails(self) -> dict[int, str]:
        with UnitOfWork(self.engine) as uow:
            return {u.id: u.email for u in uow.users.all() if u.id is not None}

    def _lead_page(
        self, actor: User, filters: LeadFilters, cursor: str | None, owners: Mapping[int, str]
    ) -> tuple[list[Row], str | None]:
        result = self._leads.list(actor, filters)
        # Merged leads are kept but hidden: never export them, whatever the list shows.
        leads = [lead for lead in result.page.items if lead.merged_into_id is None]
        rows = [_with_owner(result.lookups.record(lead), owners) for lead in leads]
        return rows, result.page.next_cursor

    def _account_page(
        self, actor: User, filters: AccountFilters, cursor: str | None, owners: Mapping[int, str]
    ) -> tuple[list[Row], str | None]:
        page = self._accounts.list(actor, filters)
        return self._with_sources(page.items, "account_source", owners), page.next_cursor

    def _contact_page(
        self, actor: User, filters: ContactFilters, cursor: str | None, owners: Mapping[int, str]
    ) -> tuple[list[Row], str | None]:
        page = self._contacts.list(actor, filters)
        return self._with_sources(page.items, "lead_source", owners), page.next_cursor

    def _with_sources(
        self, records: Sequence[Account | Contact], column: str, owners: Mapping[int, str]
    ) -> list[Row]:
        """Accounts' or contacts' rows, their source written as its label in ``column``."""
        sources = self._source_labels()
        return [
            _with_owner({**dataclasses.asdict(r), column: sources.get(r.source_id or 0)}, owners)
            for r in records
        ]

    def _opportunity_page(
        self,
        actor: User,
        filters: OpportunityFilters,
        cursor: str | None,
        owners: Mapping[int, str],
    ) -> tuple[list[Row], str | None]:
        result = self._opportunities.list(actor, filters)
        rows = [_with_owner(result.lookups.record(opp), owners) for opp in result.page.items]
        for row, opp in zip(rows, result.page.items, strict=True):
            row["amount"] = opp.amount  # the Decimal itself: written as plain digits
        return rows, result.page.next_cursor

    def _source_labels(self) -> dict[int, str]:
        with UnitOfWork(self.engine) as uow:
            return {s.id: s.label for s in load_lead_picklists(uow).sources}


def _plain(value: object) -> object:
    """A filter value as JSON can hold it."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value if isinstance(value, int | str) else str(value)


def _with_owner(values: Row, owners: Mapping[int, str]) -> Row:
    """The record with its owner as an email address (what imports accept for owners)."""
    owner_id = values.get("owner_id")
    values["owner_id"] = owners.get(owner_id, owner_id) if isinstance(owner_id, int) else None
    return values


def _pages(
    header: Sequence[str], rows: list[Row], cursor: str | None, read: PageReader
) -> Iterator[list[list[str]]]:
    yield [list(header)]
    while True:
        if rows:
            yield [[cell(row.get(name)) for name in header] for row in rows]
        if cursor is None:
            return
        rows, cursor = read(cursor)


def _csv_text(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue()
