"""The recycle bin: capturing deleted rows as JSON, putting them back, and the bin's entries.

Rows are stored by table as JSON-safe dicts encoded from each column's type (dates and
datetimes as ISO strings, decimals as strings), and decoded with the same types, so a
restored row is identical to the deleted one, ids included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Table,
    UniqueConstraint,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.db.types import UTCDateTime
from opportune.domain.recycle_bin import KEYED_TABLES, LINKS, OBJECT_TYPES, BinEntry, Payload
from opportune.errors import ConflictError, FieldError

# Tables in foreign-key order: restore inserts in this order, delete in the reverse.
_ORDER = {table.name: index for index, table in enumerate(t.metadata.sorted_tables)}


def encode_value(column: Column[Any], value: Any) -> Any:
    """A column value as JSON-safe data."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_value(column: Column[Any], value: Any) -> Any:
    """A JSON value back as the column's Python type."""
    kind = column.type
    if value is None or isinstance(kind, JSON):
        return value
    if isinstance(kind, UTCDateTime | DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Float):
        return float(value)
    if isinstance(kind, Numeric):
        return Decimal(value)
    if isinstance(kind, Boolean):
        return bool(value)
    if isinstance(kind, Integer):
        return int(value)
    return value


def encode_row(table: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row as a JSON-safe dict, every column included."""
    return {c.name: encode_value(c, row[c.name]) for c in table.c}


def decode_row(table: Table, data: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row back as column values (columns the row lacks are left out)."""
    return {c.name: decode_value(c, data[c.name]) for c in table.c if c.name in data}


class _Capture:
    """Walks from a record to everything deleted with it, collecting rows by table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[str, dict[int, dict[str, Any]]] = {}
        self.unlinked: list[dict[str, Any]] = []

    def take(self, table_name: str, ids: Iterable[int]) -> None:
        table = t.metadata.tables[table_name]
        taken = self.rows.setdefault(table_name, {})
        wanted = sorted(set(ids) - taken.keys())
        if not wanted:
            return
        for row in self.conn.execute(select(table).where(table.c.id.in_(wanted))).mappings():
            taken[row["id"]] = encode_row(table, row)
        for link in LINKS.get(table_name, ()):
            self._follow(link.table, link.column, wanted, link.goes_with)
        if table_name in OBJECT_TYPES:
            for keyed in KEYED_TABLES:
                self._keyed(keyed, OBJECT_TYPES[table_name], wanted)

    def _follow(self, table_name: str, column: str, ids: list[int], goes_with: bool) -> None:
        table = t.metadata.tables[table_name]
        stmt = select(table.c.id, table.c[column]).where(table.c[column].in_(ids))
        found = self.conn.execute(stmt).all()
        if goes_with:
            self.take(table_name, [row[0] for row in found])
            return
        self.unlinked += [
            {"table": table_name, "column": column, "id": row[0], "value": row[1]} for row in found
        ]

    def _keyed(self, table_name: str, object_type: str, ids: list[int]) -> None:
        table = t.metadata.tables[table_name]
        where = and_(table.c.object_type == object_type, table.c.record_id.in_(ids))
        rows = self.conn.execute(select(table.c.id).where(where)).scalars().all()
        self.take(table_name, rows)

    def payload(self) -> Payload:
        rows = {
            name: [taken[i] for i in sorted(taken)]
            for name, taken in sorted(self.rows.items(), key=lambda item: _ORDER[item[0]])
            if taken
        }
        # A link cleared on a row that is itself deleted needs no re-linking.
        unlinked = [u for u in self.unlinked if u["id"] not in self.rows.get(u["table"], {})]
        return Payload(rows, unlinked)


class RecycleBinRepository:
    """Moves rows between the live tables and the ``recycle_bin`` table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def capture(self, table_name: str, record_id: int) -> Payload:
        """Every row deleted with this record, and the links its delete clears."""
        walk = _Capture(self.conn)
        walk.take(table_name, [record_id])
        return walk.payload()

    def remove(self, payload: Payload) -> None:
        """Clear the payload's links, then delete its rows (children first)."""
        for link in payload.unlinked:
            table = t.metadata.tables[link["table"]]
            stmt = update(table).where(table.c.id == link["id"]).values({link["column"]: None})
            self.conn.execute(stmt)
        for name in sorted(payload.rows, key=_ORDER.__getitem__, reverse=True):
            table = t.metadata.tables[name]
            ids = [row["id"] for row in payload.rows[name]]
            self.conn.execute(delete(table).where(table.c.id.in_(ids)))

    def put_back(self, payload: Payload) -> None:
        """Insert the payload's rows with their ids (parents first) and set the cleared
        links again where they are still empty. Raises :class:`ConflictError` naming the
        field when a row's id or a unique value was taken meanwhile."""
        for name in sorted(payload.rows, key=_ORDER.__getitem__):
            table = t.metadata.tables[name]
            rows = [decode_row(table, row) for row in payload.rows[name]]
            self._check_unique(table, rows)
            self._check_references(table, rows, payload)
            self._insert(table, _parents_first(table, rows))
        for link in payload.unlinked:
            table = t.metadata.tables[link["table"]]
            column = table.c[link["column"]]
            stmt = (
                update(table)
                .where(table.c.id == link["id"], column.is_(None))
                .values({link["column"]: link["value"]})
            )
            self._execute(stmt, table.name)

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._execute(insert(table).values(row), table.name)

    def _execute(self, stmt: Any, table_name: str) -> None:
        try:
            self.conn.execute(stmt)
        except IntegrityError as exc:
            raise ConflictError(
                f"Cannot restore: a row of {table_name} conflicts with the current data "
                f"({_short(exc)})",
                code="RESTORE_CONFLICT",
            ) from exc

    def _check_unique(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        for columns in _unique_column_sets(table):
            for row in rows:
                values = {name: row.get(name) for name in columns}
                if any(v is None for v in values.values()):
                    continue
                where = and_(*(table.c[name] == v for name, v in values.items()))
                if self.conn.execute(select(table.c.id).where(where).limit(1)).first():
                    _refuse(table, row, values)

    def _check_references(
        self, table: Table, rows: Sequence[dict[str, Any]], payload: Payload
    ) -> None:
        for fk in table.foreign_keys:
            target, name = fk.column.table, fk.parent.name
            wanted = {row[name] for row in rows if row.get(name) is not None}
            wanted -= {row["id"] for row in payload.rows.get(target.name, ())}
            if not wanted or target.name == "users":
                continue
            found = self.conn.execute(select(fk.column).where(fk.column.in_(wanted))).scalars()
            for missing in sorted(wanted - set(found)):
                kind = OBJECT_TYPES.get(target.name, target.name)
                raise ConflictError(
                    f"Cannot restore: {name} refers to {kind} {missing}, which no longer "
                    "exists (restore it first)",
                    code="RESTORE_CONFLICT",
                    fields=[FieldError(name, "DELETED_REFERENCE", f"{kind} {missing} is gone")],
                )

    # --- the bin's entries ------------------------------------------------------------------

    def add(self, entry: BinEntry, payload: Payload) -> int:
        """Put an entry in the bin; return its id (``entry.id`` is ignored)."""
        values = {
            "object_type": entry.object_type, "record_id": entry.record_id,
            "name": entry.name[:255], "owner_id": entry.owner_id,
            "deleted_at": entry.deleted_at, "deleted_by_id": entry.deleted_by_id,
            "related_count": entry.related_count, "payload": payload.as_json(),
        }  # fmt: skip
        return new_id(self.conn.execute(insert(t.recycle_bin).values(values)))

    def get(self, entry_id: int) -> BinEntry | None:
        """The entry with this id, if any."""
        stmt = select(*_ENTRY_COLUMNS).where(t.recycle_bin.c.id == entry_id)
        row = self.conn.execute(stmt).mappings().first()
        return BinEntry(**row) if row else None

    def find(self, object_type: str, record_id: int) -> BinEntry | None:
        """The newest entry of this deleted record, if any."""
        c = t.recycle_bin.c
        stmt = (
            select(*_ENTRY_COLUMNS)
            .where(c.object_type == object_type, c.record_id == record_id)
            .order_by(c.id.desc())
        )
        row = self.conn.execute(stmt).mappings().first()
        return BinEntry(**row) if row else None

    def payload(self, entry_id: int) -> Payload:
        """The rows an entry holds."""
        stmt = select(t.recycle_bin.c.payload).where(t.recycle_bin.c.id == entry_id)
        return Payload.from_json(self.conn.execute(stmt).scalar_one())

    def page(
        self,
        *,
        deleted_by_id: int | None,
        object_type: str | None,
        before_id: int | None,
        limit: int,
    ) -> list[BinEntry]:
        """Entries newest first (``limit`` of them, ids below ``before_id``), narrowed to one
        deleter and one kind of record when given."""
        c = t.recycle_bin.c
        stmt = select(*_ENTRY_COLUMNS).order_by(c.id.desc()).limit(limit)
        if deleted_by_id is not None:
            stmt = stmt.where(c.deleted_by_id == deleted_by_id)
        if object_type is not None:
            stmt = stmt.where(c.object_type == object_type)
        if before_id is not None:
            stmt = stmt.where(c.id < before_id)
        return [BinEntry(**row) for row in self.conn.execute(stmt).mappings()]

    def delete(self, entry_ids: Iterable[int]) -> int:
        """Remove entries for good; return how many there were."""
        ids = list(entry_ids)
        if not ids:
            return 0
        stmt = delete(t.recycle_bin).where(t.recycle_bin.c.id.in_(ids))
        return int(self.conn.execute(stmt).rowcount)

    def ids(self, *, deleted_before: datetime | None = None) -> list[int]:
        """Ids of every entry, or of those deleted before a moment."""
        c = t.recycle_bin.c
        stmt = select(c.id).order_by(c.id)
        if deleted_before is not None:
            stmt = stmt.where(c.deleted_at < deleted_before)
        return [int(i) for i in self.conn.execute(stmt).scalars()]


_ENTRY_COLUMNS = tuple(
    t.recycle_bin.c[name]
    for name in ("id", "object_type", "record_id", "name", "owner_id", "deleted_at",
                 "deleted_by_id", "related_count")
)  # fmt: skip


def _unique_column_sets(table: Table) -> list[tuple[str, ...]]:
    """The table's primary key and unique indexes and constraints (partial ones left to the
    database), as column names."""
    sets: list[tuple[str, ...]] = [tuple(c.name for c in table.primary_key.columns)]
    for index in table.indexes:
        options = index.dialect_kwargs
        partial = (
            options.get("sqlite_where") is not None or options.get("postgresql_where") is not None
        )
        if index.unique and not partial:
            sets.append(tuple(c.name for c in index.columns))
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            sets.append(tuple(c.name for c in constraint.columns))
    return sets


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows pointing at another row of the same batch (a merged record at its master)
    after the rows they point at."""
    ids = {row["id"] for row in rows}
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]

    def depends(row: dict[str, Any]) -> bool:
        return any(row.get(name) in ids and row.get(name) != row["id"] for name in self_refs)

    return sorted(rows, key=depends)


def _refuse(table: Table, row: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    fields = [
        FieldError(name, "DUPLICATE_VALUE", f"{name} {value!r} is now used by another record")
        for name, value in values.items()
    ]
    kind = OBJECT_TYPES.get(table.name, table.name)
    taken = ", ".join(f"{name} {value!r}" for name, value in values.items())
    raise ConflictError(
        f"Cannot restore {kind} {row['id']}: {taken} is now used by another record",
        code="RESTORE_CONFLICT",
        fields=fields,
    )


def _short(exc: IntegrityError) -> str:
    return " ".join(str(exc.orig).split())[:200]
