"""Imports, saved column mappings and the rows imports create.

Records are inserted in big set-based batches: on SQLite one ``executemany`` of plain
tuples through the driver (ids numbered from the highest one, which is safe because a
writing unit of work holds SQLite's only write lock), on PostgreSQL ``COPY`` with ids
taken from the table's sequence. Both return the new ids in input order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from opportune.db import tables as t
from opportune.db.repositories._common import sqlite_last_id
from opportune.db.repositories.stage_periods import StageEntry, StagePeriodRepository
from opportune.domain.duplicates import company_key
from opportune.domain.history import StageSnapshot

__all__ = ["RECORD_TABLES", "ImportRepository"]

RECORD_TABLES: dict[str, Table] = {
    "lead": t.leads,
    "account": t.accounts,
    "contact": t.contacts,
    "opportunity": t.opportunities,
}
_LOOKUP_CHUNK = 500


def _dependants(kind: str) -> list[tuple[Table, str]]:
    """The (table, column) pairs whose rows tie a record of ``kind`` to other data."""
    a = t.activities
    return {
        "lead": [(a, "lead_id"), (t.lead_conversions, "lead_id"), (t.leads, "merged_into_id"),
                 (t.web_form_submissions, "lead_id")],
        "account": [(a, "account_id"), (t.contacts, "account_id"),
                    (t.opportunities, "account_id"), (t.accounts, "parent_account_id"),
                    (t.accounts, "merged_into_id")],
        "contact": [(a, "contact_id"), (t.opportunity_contact_roles, "contact_id"),
                    (t.contacts, "merged_into_id")],
        "opportunity": [(a, "opportunity_id"), (t.opportunity_contact_roles, "opportunity_id")],
    }[kind]  # fmt: skip


class ImportRepository:
    """Imports, saved column mappings and the rows imports create."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- the imports table ------------------------------------------------------------------

    def add(self, values: Mapping[str, Any]) -> int:
        """Record a new import and return its id."""
        result = self.conn.execute(insert(t.imports).values(dict(values)))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def get(self, import_id: int) -> dict[str, Any] | None:
        """The import's row, if it exists."""
        row = self.conn.execute(select(t.imports).where(t.imports.c.id == import_id)).first()
        return dict(row._mapping) if row else None

    def get_for_update(self, import_id: int) -> dict[str, Any] | None:
        """The import's row, locked until the transaction ends (PostgreSQL)."""
        stmt = select(t.imports).where(t.imports.c.id == import_id).with_for_update()
        row = self.conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def change(self, import_id: int, **values: Any) -> None:
        """Change columns of an import."""
        self.conn.execute(update(t.imports).where(t.imports.c.id == import_id).values(values))

    def latest_for_file(self, object_type: str, sha256: str) -> dict[str, Any] | None:
        """The newest import of this file content as this kind of record."""
        c = t.imports.c
        stmt = (
            select(t.imports)
            .where(c.object_type == object_type, c.file_sha256 == sha256)
            .order_by(c.id.desc())
            .limit(1)
        )
        row = self.conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def page(self, limit: int, before_id: int | None = None) -> list[dict[str, Any]]:
        """Imports newest first, ``limit`` of them, older than ``before_id`` when given."""
        c = t.imports.c
        stmt = select(t.imports).order_by(c.id.desc()).limit(limit)
        if before_id is not None:
            stmt = stmt.where(c.id < before_id)
        return [dict(row._mapping) for row in self.conn.execute(stmt)]

    def with_status(self, *statuses: str) -> list[dict[str, Any]]:
        """Imports in one of these states, oldest first."""
        c = t.imports.c
        stmt = select(t.imports).where(c.status.in_(statuses)).order_by(c.id)
        return [dict(row._mapping) for row in self.conn.execute(stmt)]

    # --- saved mappings ---------------------------------------------------------------------

    def mapping(self, object_type: str, name: str) -> dict[str, Any] | None:
        """The saved mapping with this name for this kind of record."""
        m = t.import_mappings.c
        stmt = select(t.import_mappings).where(m.object_type == object_type, m.name == name)
        row = self.conn.execute(stmt).first()
        return dict(row._mapping) if row else None

    def mappings(self, object_type: str | None = None) -> list[dict[str, Any]]:
        """Saved mappings by kind and name, of one kind when given."""
        m = t.import_mappings.c
        stmt = select(t.import_mappings).order_by(m.object_type, m.name)
        if object_type is not None:
            stmt = stmt.where(m.object_type == object_type)
        return [dict(row._mapping) for row in self.conn.execute(stmt)]

    def save_mapping(self, values: Mapping[str, Any]) -> int:
        """Create or replace the mapping named ``values['name']`` for its kind."""
        found = self.mapping(values["object_type"], values["name"])
        if found is None:
            return self.add_mapping(values)
        m = t.import_mappings
        self.conn.execute(update(m).where(m.c.id == found["id"]).values(dict(values)))
        return int(found["id"])

    def add_mapping(self, values: Mapping[str, Any]) -> int:
        """Insert a saved mapping and return its id."""
        key = self.conn.execute(insert(t.import_mappings).values(dict(values))).inserted_primary_key
        assert key is not None
        return int(key[0])

    # --- records ----------------------------------------------------------------------------

    def insert_records(self, kind: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows of ``kind`` (all with the same columns, no ``id``); return their ids."""
        if not rows:
            return []
        table = RECORD_TABLES[kind]
        columns = ["id", *rows[0].keys()]
        ids = self._new_ids(table, len(rows))
        tuples = _bound(_processors(table, columns, self.conn), ids, rows)
        if self.conn.dialect.name == "postgresql":
            self._copy(table, columns, tuples)
        else:
            marks = ", ".join("?" * len(columns))
            # Table and column names come from our own Table objects, never from input.
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            self.conn.exec_driver_sql(sql, tuples)
        return ids

    def _new_ids(self, table: Table, count: int) -> list[int]:
        if self.conn.dialect.name == "postgresql":
            stmt = text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            )
            return list(self.conn.execute(stmt, {"table": table.name, "n": count}).scalars())
        first = sqlite_last_id(self.conn, table)
        return list(range(first + 1, first + 1 + count))

    def _copy(
        self, table: Table, columns: Sequence[str], tuples: Iterable[tuple[Any, ...]]
    ) -> None:
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in tuples:
                    copy.write_row(row)

    def insert_snapshots(self, snapshots: Sequence[StageSnapshot]) -> None:
        """Store the first stage history snapshot of new opportunities, and open their
        first stay in a stage."""
        rows = [{k: v for k, v in dataclasses.asdict(s).items() if k != "id"} for s in snapshots]
        if rows:
            self.conn.execute(insert(t.opportunity_history), rows)
            StagePeriodRepository(self.conn).record_many([StageEntry.of(s) for s in snapshots])

    def analyze(self, kind: str) -> None:
        """PostgreSQL: refresh the planner's statistics of the table a bulk load is
        growing (from empty, stale statistics make the duplicate lookups scan)."""
        if self.conn.dialect.name == "postgresql":
            self.conn.exec_driver_sql(f"ANALYZE {RECORD_TABLES[kind].name}")

    def existing_ids(self, kind: str, ids: Iterable[int]) -> set[int]:
        """Which of these ids are records of ``kind`` (merged ones left out)."""
        table = RECORD_TABLES[kind]
        found: set[int] = set()
        for chunk in _chunks(sorted(set(ids))):
            where = [table.c.id.in_(chunk)]
            if "merged_into_id" in table.c:
                where.append(table.c.merged_into_id.is_(None))
            found.update(self.conn.execute(select(table.c.id).where(*where)).scalars())
        return found

    def accounts_named(self, names: Iterable[str]) -> dict[str, list[int]]:
        """Account ids by lower-case name, for these names (any case), merged ones left out.

        Found through the indexed company key, then compared by the exact name.
        """
        wanted = {name.strip().lower() for name in names if name.strip()}
        keys = {k for name in wanted if (k := company_key(name))}
        found: dict[str, list[int]] = {}
        a = t.accounts.c
        for chunk in _chunks(sorted(keys)):
            stmt = select(a.id, a.name).where(a.name_key.in_(chunk), a.merged_into_id.is_(None))
            for row in self.conn.execute(stmt.order_by(a.id)):
                name = row.name.strip().lower()
                if name in wanted:
                    found.setdefault(name, []).append(row.id)
        return found

    def opportunities_by_key(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Existing opportunities by (lower-case name, account id), for these keys."""
        wanted = set(keys)
        o = t.opportunities.c
        found: dict[tuple[str, int], int] = {}
        for chunk in _chunks(sorted({account for _, account in wanted})):
            stmt = select(o.id, o.name, o.account_id).where(o.account_id.in_(chunk))
            for row in self.conn.execute(stmt.order_by(o.id)):
                key = (row.name.strip().lower(), row.account_id)
                if key in wanted:
                    found.setdefault(key, row.id)
        return found

    # --- reverting ------------------------------------------------------------------------

    def created_count(self, kind: str, import_id: int) -> int:
        """How many records of ``kind`` this import created that still exist."""
        table = RECORD_TABLES[kind]
        stmt = select(func.count()).select_from(table).where(table.c.import_id == import_id)
        return int(self.conn.execute(stmt).scalar_one())

    def changed_ids(self, kind: str, import_id: int, limit: int | None = None) -> list[int]:
        """Records this import created that were changed since or that other data uses."""
        table = RECORD_TABLES[kind]
        stmt = select(table.c.id).where(table.c.import_id == import_id, _changed(kind, table))
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.conn.execute(stmt.order_by(table.c.id)).scalars())

    def delete_unchanged(self, kind: str, import_id: int) -> int:
        """Delete the records this import created that nobody changed or uses; return how
        many (an opportunity's first stage history snapshot goes with it)."""
        table = RECORD_TABLES[kind]
        where = and_(table.c.import_id == import_id, ~_changed(kind, table))
        if kind == "opportunity":
            oh = t.opportunity_history
            doomed = select(table.c.id).where(where)
            self.conn.execute(delete(oh).where(oh.c.opportunity_id.in_(doomed)))
        return int(self.conn.execute(delete(table).where(where)).rowcount)


def _changed(kind: str, table: Table) -> ColumnElement[bool]:
    """True for a record edited since it was created, merged, or that other rows use."""
    c = table.c
    conditions: list[ColumnElement[bool]] = [c.version > 1, c.updated_at != c.created_at]
    if "merged_into_id" in c:
        conditions.append(c.merged_into_id.is_not(None))
    for other, column in _dependants(kind):
        alias = other.alias()
        conditions.append(exists().where(alias.c[column] == c.id))
    return or_(*conditions)


def _processors(
    table: Table, columns: Sequence[str], conn: Connection
) -> list[Callable[[Any], Any] | None]:
    """Each column's bind processor for this dialect (what SQLAlchemy would apply)."""
    dialect = conn.dialect
    return [table.c[name].type.bind_processor(dialect) for name in columns]


def _bound(
    process: Sequence[Callable[[Any], Any] | None],
    ids: Sequence[int],
    rows: Sequence[Mapping[str, Any]],
) -> list[tuple[Any, ...]]:
    """Each row's values (its id first) as the driver takes them: only the columns with
    a bind processor are processed, and a value the row before had (the batch's one
    timestamp, the same flag) is processed once; processors are pure functions."""
    active = [(n, p) for n, p in enumerate(process) if p is not None]
    last: list[tuple[object, object]] = [(_NOTHING, None)] * len(active)
    out: list[tuple[Any, ...]] = []
    for new_id, row in zip(ids, rows, strict=True):
        values = [new_id, *row.values()]
        for slot, (n, p) in enumerate(active):
            value = values[n]
            seen, done = last[slot]
            if value is not seen:
                done = p(value)
                last[slot] = (value, done)
            values[n] = done
        out.append(tuple(values))
    return out


_NOTHING = object()


def _chunks(values: Sequence[Any], size: int = _LOOKUP_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
