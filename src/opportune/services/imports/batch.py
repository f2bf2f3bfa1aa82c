"""One batch of rows: build records, settle duplicates, assign owners, write, count.

A batch runs inside one write unit of work (the caller commits it with the import's
progress), so its records are saved together or not at all. Duplicates are settled per
import choice: *skip* the row, *update* the matched record with the row's non-empty
values (a new version with field history), or *create* it anyway. Matches are looked for
among saved records (which include the earlier batches) and within the batch.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opportune.db.match_keys import KEY_SOURCES, with_keys
from opportune.domain.accounts import Account, update_account
from opportune.domain.contacts import Contact, update_contact
from opportune.domain.field_history import field_changes
from opportune.domain.history import make_snapshot, snapshot_needed
from opportune.domain.imports import ColumnMapping, Formats
from opportune.domain.imports.records import (
    ImportRecord,
    Lists,
    RecordBuilder,
    account_reference_fields,
    prepare,
)
from opportune.domain.leads import Lead, update_lead
from opportune.domain.opportunities import Opportunity, update_opportunity
from opportune.domain.sharing import Access, Viewer
from opportune.errors import FieldError, OpportuneError, PermissionDeniedError, ValidationError
from opportune.services.access import access_to
from opportune.services.assigner import Turns, write_turns
from opportune.services.duplicate_checks import Checked, load_checker, prepare_checks
from opportune.services.imports.check_process import CheckProcess
from opportune.services.imports.hooks import Assigner, best_match
from opportune.services.uow import UnitOfWork

__all__ = ["Batch", "BatchOutcome", "RowError", "Staged", "record_values"]

Row = tuple[int, list[str]]
Prepared = tuple[int, list[str], dict[str, str]]
_CLASSES: dict[str, Any] = {
    "lead": Lead, "account": Account, "contact": Contact, "opportunity": Opportunity,
}  # fmt: skip
_COLUMNS = {kind: tuple(f.name for f in dataclasses.fields(cls) if f.name != "id")
            for kind, cls in _CLASSES.items()}  # fmt: skip
# Every column of a record in one call (a batch builds thousands of insert rows).
_GETTERS = {kind: operator.attrgetter(*names) for kind, names in _COLUMNS.items()}


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: its line, its cells as read, and every reason."""

    line: int
    cells: list[str]
    errors: list[FieldError]


@dataclass(slots=True)
class BatchOutcome:
    """What one batch did."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(slots=True)
class _Item:
    line: int
    cells: list[str]
    raw: dict[str, str]
    record: ImportRecord
    fate: str = "create"  # create | skip | update | fold
    target: int | None = None  # the saved record updated, or the item folded into
    # A record of the previous batch (still being saved) this row updates.
    source: _Item | None = None
    view: dict[str, Any] | None = None  # how duplicate rules see the record
    keys: dict[str, str | None] | None = None  # its duplicate lookup keys


@dataclass(slots=True)
class Staged:
    """A batch read and, where possible, built (see :meth:`Batch.stage`); ``rows`` counts
    the file rows it covers, blank and rejected ones included."""

    rows: int
    outcome: BatchOutcome
    prepared: list[Prepared] = field(default_factory=list)
    items: list[_Item] | None = None
    turns: list[Turns] = field(default_factory=list)  # round-robin turns its leads took


def record_values(kind: str, record: ImportRecord) -> dict[str, Any]:
    """A record's stored columns (no id), by name."""
    return dict(zip(_COLUMNS[kind], _GETTERS[kind](record), strict=True))


class Batch:
    """Processes batches of one import (everything that stays the same between them)."""

    def __init__(
        self,
        *,
        kind: str,
        header: Sequence[str],
        columns: ColumnMapping,
        formats: Formats,
        defaults: dict[str, str],
        builder: RecordBuilder,
        lists: Lists,
        duplicates: str,
        assigner: Assigner | None,
        import_id: int,
        actor_id: int,
        now: datetime,
        viewer: Viewer | None = None,
    ) -> None:
        self.kind, self.header, self.columns = kind, list(header), columns
        self.formats, self.defaults, self.builder, self.lists = formats, defaults, builder, lists
        self.duplicates, self.assigner = duplicates, assigner
        self.import_id, self.actor_id, self.now = import_id, actor_id, now
        # Whose access an update of an existing record needs (None: the installation's).
        self.viewer = viewer
        # Set while a large import's duplicate checks run in a second process.
        self.checks: CheckProcess | None = None

    # --- the steps ----------------------------------------------------------------------------

    def run(self, uow: UnitOfWork, rows: Sequence[Row]) -> BatchOutcome:
        """Build, check and write one batch's rows in ``uow`` (not committed here)."""
        return self.save(uow, self.decide(uow, self.stage(rows)))

    def stage(self, rows: Sequence[Row]) -> Staged:
        """The part of a batch that needs no database: rows read as API input and, for
        kinds that refer to no account, built into records and made ready for duplicate
        checks. It can run ahead, in another thread, while earlier batches are saved."""
        staged = Staged(len(rows), BatchOutcome())
        staged.prepared = self._prepare(rows, staged.outcome)
        if not account_reference_fields(self.kind):
            staged.items = self._build(staged.prepared, staged.outcome)
            if self.duplicates != "create" and self.kind != "opportunity":
                records = [_check_values(self.kind, i.record) for i in staged.items]
                _keep_checks(staged.items, prepare_checks(self.kind, records, {}))
        return staged

    def decide(self, uow: UnitOfWork, staged: Staged, in_flight: Sequence[_Item] = ()) -> Staged:
        """Finish reading a staged batch (accounts resolved, records built), assign owners
        and decide each row's fate, reading ``uow`` only. ``in_flight`` are the rows of the
        previous batch while it is being saved: rows that duplicate them count as
        duplicates of saved records."""
        if staged.items is None:
            self._resolve_accounts(uow, [raw for _, _, raw in staged.prepared])
            staged.items = self._build(staged.prepared, staged.outcome)
        self._assign(staged.items)
        staged.turns = self.assigner.take_turns() if self.assigner else []
        self._settle_duplicates(uow, staged.items, in_flight)
        return staged

    def save(self, uow: UnitOfWork, staged: Staged) -> BatchOutcome:
        """Write a decided batch in ``uow`` (not committed here)."""
        assert staged.items is not None
        write_turns(uow, staged.turns)
        self._apply(uow, staged.items, staged.outcome)
        return staged.outcome

    def check(self, uow: UnitOfWork, rows: Sequence[Row]) -> list[RowError]:
        """The rows that would be rejected, without writing anything (for previews)."""
        outcome = BatchOutcome()
        prepared = self._prepare(rows, outcome)
        self._resolve_accounts(uow, [raw for _, _, raw in prepared])
        self._build(prepared, outcome)
        return outcome.errors

    def _prepare(self, rows: Sequence[Row], outcome: BatchOutcome) -> list[Prepared]:
        prepared = []
        width = len(self.header)
        for line, cells in rows:
            if not any(c.strip() for c in cells):
                continue  # a blank line is no record
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                message = f"The row has {len(cells)} cells but the header has {width}"
                outcome.errors.append(
                    RowError(line, cells, [FieldError("row", "INVALID_ROW", message)])
                )
                continue
            raw = prepare(self.kind, self.columns.row(cells), self.formats, self.defaults)
            prepared.append((line, cells, raw))
        return prepared

    def _resolve_accounts(self, uow: UnitOfWork, raws: Sequence[dict[str, str]]) -> None:
        names = account_reference_fields(self.kind)
        known = self.builder.refs.accounts
        wanted = {raw[n].strip() for raw in raws for n in names if n in raw} - known.keys()
        if not wanted:
            return
        if len(known) > 100_000:
            known.clear()  # a bounded cache: memory stays flat over any number of rows
        numbers = {int(w) for w in wanted if w.isdigit() and len(w) < 10}
        existing = uow.imports.existing_ids("account", numbers)
        named = uow.imports.accounts_named(
            w for w in wanted if not (w.isdigit() and int(w) in existing)
        )
        for ref in wanted:
            if ref.isdigit() and len(ref) < 10 and int(ref) in existing:
                known[ref] = int(ref)
                continue
            ids = named.get(ref.lower(), [])
            if len(ids) == 1:
                known[ref] = ids[0]
            elif ids:
                known[ref] = f"{len(ids)} accounts are named '{ref}': give the account's id"
            else:
                known[ref] = f"No account with id or name '{ref}'"

    def _build(self, prepared: Sequence[Prepared], outcome: BatchOutcome) -> list[_Item]:
        items = []
        for line, cells, raw in prepared:
            built = self.builder.build(raw)
            if isinstance(built, list):
                outcome.errors.append(RowError(line, cells, built))
            else:
                items.append(_Item(line, cells, raw, built))
        return items

    def _assign(self, items: Sequence[_Item]) -> None:
        if self.assigner is None:
            return
        for item in items:
            if "owner_id" not in item.raw:
                assert isinstance(item.record, Lead)
                self.assigner.assign(item.record)

    # --- duplicates ---------------------------------------------------------------------------

    def _settle_duplicates(
        self, uow: UnitOfWork, items: list[_Item], in_flight: Sequence[_Item]
    ) -> None:
        """Decide each item's fate: a match among saved records (or those of the batch
        being saved) goes first: *skip* skips, *update* updates the best match of the
        same kind, else skips; then a match with an earlier row of the batch: *skip*
        skips, *update* folds the row into it."""
        if not items or self.duplicates == "create":
            return  # created anyway: no need to look
        earlier = [i for i in in_flight if i.fate == "create"]
        existing, within = self._matches(uow, earlier, items)
        for index, item in enumerate(items):
            first = within[index]
            if existing[index]:
                target = best_match(self.kind, existing[index])
                update = self.duplicates == "update" and target is not None
                item.fate, item.target = ("update", target) if update else ("skip", None)
            elif first is not None and first < len(earlier):
                update = self.duplicates == "update"
                item.fate, item.source = ("update", earlier[first]) if update else ("skip", None)
            elif first is not None:
                item.fate = "skip" if self.duplicates == "skip" else "fold"
                item.target = first - len(earlier)

    def _matches(
        self, uow: UnitOfWork, earlier: Sequence[_Item], items: Sequence[_Item]
    ) -> tuple[list[list[Any]], list[int | None]]:
        """Per item: the saved records it matches, and the index (in ``earlier`` then
        ``items``) of the first earlier row it duplicates."""
        if self.kind == "opportunity":
            return self._opportunity_matches(uow, earlier, items)
        checker = load_checker(uow, self.kind)
        if not checker.rules:
            return [[] for _ in items], [None] * len(items)
        unchecked = [i for i in items if i.view is None]
        if unchecked:
            records = [_check_values(self.kind, i.record) for i in unchecked]
            _keep_checks(unchecked, checker.prepare(records))
        both = _checked([*earlier, *items])
        if self.checks is not None:
            return self.checks.check(both, len(earlier))
        own = _checked(items)
        within = checker.find_within(both.views, both, start=len(earlier))
        return checker.find(own.views, own), within

    def _opportunity_matches(
        self, uow: UnitOfWork, earlier: Sequence[_Item], items: Sequence[_Item]
    ) -> tuple[list[list[Any]], list[int | None]]:
        """Opportunities have no duplicate rules: the same name on the same account is one."""
        keys = [_opportunity_key(i.record) for i in [*earlier, *items]]
        saved = uow.imports.opportunities_by_key(keys[len(earlier) :])
        first: dict[tuple[str, int], int] = {}
        within: list[int | None] = []
        for index, key in enumerate(keys):
            within.append(first.get(key))
            first.setdefault(key, index)
        found = [[_Match("opportunity", saved[k])] if k in saved else [] for k in keys]
        return found[len(earlier) :], within[len(earlier) :]

    # --- writing ------------------------------------------------------------------------------

    def _apply(self, uow: UnitOfWork, items: list[_Item], outcome: BatchOutcome) -> None:
        self._fold(items, outcome)
        created = [i for i in items if i.fate == "create"]
        self._insert(uow, [i.record for i in created], [i.keys for i in created])
        outcome.created += len(created)
        outcome.skipped += sum(1 for i in items if i.fate == "skip")
        for item in items:
            if item.source is not None:
                item.target = item.source.record.id  # saved with the previous batch
            if item.fate == "update" and item.target is not None:
                self._update(uow, item, outcome)

    def _fold(self, items: list[_Item], outcome: BatchOutcome) -> None:
        """Rows duplicating an earlier row of the batch, with *update*: merge into it."""
        for item in items:
            if item.fate != "fold" or item.target is None:
                continue
            root = items[item.target]
            while root.fate == "fold" and root.target is not None:
                root = items[root.target]
            if root.fate == "update":
                item.fate, item.target, item.source = "update", root.target, root.source
                continue
            merged = {**root.raw, **item.raw}
            built = self.builder.build(merged)
            if isinstance(built, list):
                outcome.errors.append(RowError(item.line, item.cells, built))
            else:
                _copy_assignment(root.record, built, "owner_id" in item.raw)
                root.raw, root.record = merged, built
                root.view = root.keys = None  # they were the first row's
                outcome.updated += 1
            item.fate = "folded"

    def _insert(
        self, uow: UnitOfWork, records: Sequence[ImportRecord],
        keys: Sequence[dict[str, str | None] | None] = (),
    ) -> None:  # fmt: skip
        """Insert new records; ``keys`` are their duplicate lookup keys where the checks
        computed them (the stored keys are made from the same values)."""
        if not records:
            return
        known = list(keys) or [None] * len(records)
        rows = [self._row(record, k) for record, k in zip(records, known, strict=True)]
        ids = uow.imports.insert_records(self.kind, rows)
        for record, new_id in zip(records, ids, strict=True):
            record.id = new_id
        if self.kind == "opportunity":
            snapshots = [make_snapshot(r, self.actor_id, self.now) for r in records]  # type: ignore[arg-type]
            uow.imports.insert_snapshots(snapshots)

    def _row(
        self, record: ImportRecord, keys: dict[str, str | None] | None = None
    ) -> dict[str, Any]:
        values = record_values(self.kind, record)
        if self.kind in KEY_SOURCES:
            values = with_keys(self.kind, values, keys)
        values["import_id"] = self.import_id
        return values

    def _update(self, uow: UnitOfWork, item: _Item, outcome: BatchOutcome) -> None:
        assert item.target is not None
        values = self.builder.values(item.raw)
        if isinstance(values, list):
            outcome.errors.append(RowError(item.line, item.cells, values))
            return
        try:
            if item.source is None:  # an existing record, not one this import just made
                self._require_edit(uow, item.target)
            changed = self.update_record(uow, item.target, values)
        except OpportuneError as exc:
            fields = exc.fields if isinstance(exc, ValidationError) else []
            reason = fields or [FieldError("row", exc.code, exc.message)]
            outcome.errors.append(RowError(item.line, item.cells, reason))
            return
        # A match the row would not change (or that is gone meanwhile) counts as skipped.
        outcome.updated += 1 if changed else 0
        outcome.skipped += 0 if changed else 1

    def _require_edit(self, uow: UnitOfWork, record_id: int) -> None:
        """Refuse the row unless the importing user may edit the record it matches (the
        reason tells nothing about the record)."""
        if access_to(uow, self.viewer, self.kind, record_id) < Access.EDIT:
            message = "No access: this row matches a record you are not allowed to change"
            raise PermissionDeniedError(message)

    def update_record(
        self, uow: UnitOfWork, record_id: int, values: dict[str, object]
    ) -> list[str] | None:
        """Apply ``values`` to the saved record (``None`` when it is gone)."""
        repo: Any = {"lead": uow.leads, "account": uow.accounts, "contact": uow.contacts,
                     "opportunity": uow.opportunities}[self.kind]  # fmt: skip
        before = repo.get(record_id)
        if before is None:
            return None
        after, changed = self._updated(before, values)
        if not changed:
            return changed
        if not repo.update(after, changed, before.version):
            raise ValidationError.single("row", "STALE", f"Record {record_id} changed meanwhile")
        uow.field_history.add_many(
            field_changes(self.kind, before, after, changed, actor_id=self.actor_id, now=self.now)
        )
        if self.kind == "opportunity" and snapshot_needed(before, after):
            uow.opportunity_history.add(make_snapshot(after, self.actor_id, self.now))
        return changed

    def _updated(self, before: Any, values: dict[str, object]) -> tuple[Any, list[str]]:
        common = {"actor_id": self.actor_id, "now": self.now}
        sources = self.lists.lead.sources
        if self.kind == "lead":
            return update_lead(before, values, picklists=self.lists.lead, **common)  # type: ignore[arg-type]
        if self.kind == "account":
            return update_account(before, values, sources=sources, **common)  # type: ignore[arg-type]
        if self.kind == "contact":
            return update_contact(before, values, sources=sources, **common)  # type: ignore[arg-type]
        return update_opportunity(
            before, values, stages=self.lists.stages, lost_reasons=self.lists.lost_reasons,
            lead_sources=sources, **common,  # type: ignore[arg-type]
        )  # fmt: skip


def _keep_checks(items: Sequence[_Item], checked: Checked) -> None:
    for item, view, keys in zip(items, checked.views, checked.keys, strict=True):
        item.view, item.keys = view, keys


def _checked(items: Sequence[_Item]) -> Checked:
    return Checked([i.view or {} for i in items], [i.keys or {} for i in items])


def _check_values(kind: str, record: ImportRecord) -> dict[str, Any]:
    return {name: getattr(record, name, None) for name in _CHECKED[kind]}


_CHECKED = {
    "lead": ("first_name", "last_name", "email", "phone", "mobile_phone", "company", "title",
             "website", "city", "state", "postal_code", "country"),
    "contact": ("first_name", "last_name", "email", "phone", "mobile_phone", "title",
                "account_id", "mailing_city", "mailing_country"),
    "account": ("name", "website", "phone", "billing_city", "billing_state",
                "billing_postal_code", "billing_country"),
    "opportunity": ("name", "account_id"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Match:
    """A saved opportunity with the same name on the same account."""

    object_type: str
    record_id: int
    score: float = 1.0


def _opportunity_key(record: ImportRecord) -> tuple[str, int]:
    assert isinstance(record, Opportunity)
    return record.name.strip().lower(), record.account_id


def _copy_assignment(source: ImportRecord, target: ImportRecord, owner_given: bool) -> None:
    """A folded row keeps the owner (and queue) the first row got, unless it names one."""
    if owner_given:
        return
    target.owner_id = source.owner_id
    if isinstance(source, Lead) and isinstance(target, Lead):
        target.queue_id = source.queue_id
        target.is_unread_by_owner = source.is_unread_by_owner
