"""Duplicate rules, candidate lookups by match keys, duplicate reports.

Candidates are only ever found through the indexed key columns (``email_key``,
``phone_key``, ``sound_key``, ``company_key`` on leads; the same on contacts, whose company
is their account's ``name_key``; ``name_key``, ``website_domain``, ``phone_key`` on
accounts), newest first and at most ``cap`` per key value, so a very common key (a
switchboard number, a frequent name) costs the same as a rare one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    RowMapping,
    Select,
    Text,
    TextClause,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSON

from opportune.db import tables as t
from opportune.db.visibility import OWNED_TABLES, visible_clause
from opportune.domain.sharing import Viewer

_PERSON = ("first_name", "last_name", "email", "phone", "mobile_phone", "title")
_VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "lead": (*_PERSON, "company", "website", "city", "state", "postal_code", "country"),
    "contact": (*_PERSON, "mailing_city", "mailing_state", "mailing_postal_code",
                "mailing_country", "account_id"),
    "account": ("name", "website", "phone", "industry", "billing_street", "billing_city",
                "billing_state", "billing_postal_code", "billing_country"),
}  # fmt: skip
_KEY_COLUMNS: dict[str, dict[str, Column[Any]]] = {
    "lead": {"email": t.leads.c.email_key, "phone": t.leads.c.phone_key,
             "sound": t.leads.c.sound_key, "company": t.leads.c.company_key},
    "contact": {"email": t.contacts.c.email_key, "phone": t.contacts.c.phone_key,
                "sound": t.contacts.c.sound_key, "company": t.accounts.c.name_key},
    "account": {"name": t.accounts.c.name_key, "website": t.accounts.c.website_domain,
                "phone": t.accounts.c.phone_key},
}  # fmt: skip
Row = dict[str, Any]
_TABLES = {"lead": t.leads, "contact": t.contacts, "account": t.accounts}
_ACTIVE_RULES = text(
    "SELECT id, object_type, name, is_active, alternatives, compare_with, action_on_create,"
    " action_on_edit, sort_order FROM duplicate_rules WHERE object_type = :kind AND is_active"
    " ORDER BY sort_order, id"
)
# SQLite allows 32766 bound values; keep IN lists well below, and plans simple.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Which duplicate report rows to list: open (default), dismissed or all."""

    object_type: str | None = None
    rule_id: int | None = None
    status: str = "open"
    offset: int = 0
    limit: int = 50
    # Only pairs whose both records this viewer may read (None: every pair).
    viewer: Viewer | None = None


class DuplicateRepository:
    """Duplicate rules, candidate lookups by match keys, duplicate reports."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- rules ----------------------------------------------------------------------------

    def active_rules(self, object_type: str) -> list[Row]:
        """The active rules of one object, in order (one cheap statement, run before every
        save of a lead, contact or account)."""
        rows = _dicts(self.conn.execute(_ACTIVE_RULES, {"kind": object_type}).mappings())
        for row in rows:
            for name in ("alternatives", "compare_with"):
                if isinstance(row[name], str):
                    row[name] = json.loads(row[name])
        return rows

    def rules(self, object_type: str | None = None, *, active_only: bool = False) -> list[Row]:
        """Duplicate rule rows in their order, optionally of one object and active only."""
        r = t.duplicate_rules
        stmt = select(r).order_by(r.c.object_type, r.c.sort_order, r.c.id)
        if object_type is not None:
            stmt = stmt.where(r.c.object_type == object_type)
        if active_only:
            stmt = stmt.where(r.c.is_active.is_(True))
        return _dicts(self.conn.execute(stmt).mappings())

    def rule(self, rule_id: int) -> Row | None:
        """One rule row, or ``None``."""
        stmt = select(t.duplicate_rules).where(t.duplicate_rules.c.id == rule_id)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row is not None else None

    def rule_named(self, object_type: str, name: str) -> Row | None:
        """The rule of this object with this name, if any."""
        r = t.duplicate_rules.c
        stmt = select(t.duplicate_rules).where(r.object_type == object_type, r.name == name)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row is not None else None

    def add_rule(self, values: Mapping[str, Any]) -> int:
        """Insert a rule; its id."""
        result = self.conn.execute(insert(t.duplicate_rules).values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def update_rule(self, rule_id: int, values: Mapping[str, Any]) -> None:
        """Change a rule's columns."""
        r = t.duplicate_rules
        self.conn.execute(update(r).where(r.c.id == rule_id).values(**values))

    def delete_rule(self, rule_id: int) -> None:
        """Delete a rule (its report rows go with it)."""
        rep = t.duplicate_reports
        self.conn.execute(delete(rep).where(rep.c.rule_id == rule_id))
        self.conn.execute(delete(t.duplicate_rules).where(t.duplicate_rules.c.id == rule_id))

    # --- candidates -----------------------------------------------------------------------

    def candidates(
        self, kind: str, key_kind: str, values: Iterable[str], cap: int,
        fields: Collection[str] | None = None,
    ) -> list[Row]:  # fmt: skip
        """Live records of ``kind`` (not merged, not converted) whose ``key_kind`` key is one
        of ``values``: at most ``cap`` per value, newest first. Each row has ``id``, the
        fields rules compare (of a lead, only ``fields`` when given: a bulk lookup reads
        tens of thousands of rows), ``account_name`` for contacts, and ``match_key``."""
        wanted = sorted({v for v in values if v})
        column = _KEY_COLUMNS[kind].get(key_kind)
        if not wanted or column is None:
            return []
        if len(wanted) == 1:
            stmt = self._base(kind, column, fields).where(column == wanted[0])
            stmt = stmt.order_by(_TABLES[kind].c.id.desc()).limit(cap)
            return _dicts(self.conn.execute(stmt).mappings())
        if self.conn.dialect.name == "postgresql":
            return self._lateral(kind, column, wanted, cap, fields)
        return self._each(kind, column, wanted, cap, fields)

    def candidates_of_one(self, lookups: Mapping[str, Mapping[str, str]], cap: int) -> list[Row]:
        """Like :meth:`candidates` for one record, in one statement for every kind and key:
        ``lookups`` maps each kind of record to its key kinds and values; each key's newest
        ``cap`` live records come back tagged with ``kind``, ``anchor`` (the key kind) and
        ``match_key``, their fields already named as rules compare them (a contact's
        ``company`` is its account's name), with the stored keys that are the normalised
        values of some of them as ``nk_<field>``. Its SQL is built once per shape: the screen
        before each save runs it, and building statements costs more than running them."""
        shape = tuple(
            (kind, tuple(sorted(a for a, v in keys.items() if v and a in _KEY_COLUMNS[kind])))
            for kind, keys in sorted(lookups.items())
        )
        shape = tuple((kind, anchors) for kind, anchors in shape if anchors)
        if not shape:
            return []
        params = {f"k_{kind}_{a}": lookups[kind][a] for kind, anchors in shape for a in anchors}
        result = self.conn.execute(_one_record_sql(shape, cap), params)
        names = list(result.keys())
        return [dict(zip(names, row, strict=True)) for row in result.all()]

    def _base(
        self, kind: str, key: Column[Any], fields: Collection[str] | None = None
    ) -> Select[Any]:
        return _select(kind, key, fields).where(*_live(kind))

    def _each(
        self, kind: str, key: Column[Any], values: Sequence[str], cap: int,
        fields: Collection[str] | None = None,
    ) -> list[Row]:  # fmt: skip
        """SQLite: one short indexed read per value, each stopping after ``cap`` rows
        (ranking every row that shares a common key costs far more). The statement is
        compiled once and run on the driver's cursor: SQLAlchemy's per-call overhead would
        be most of the cost. Every column read is text or an integer, so nothing is lost."""
        stmt = self._base(kind, key, fields).where(key == bindparam("value"))
        compiled = (
            stmt.order_by(_TABLES[kind].c.id.desc()).limit(cap).compile(dialect=self.conn.dialect)
        )
        sql, order, fixed = str(compiled), compiled.positiontup or [], compiled.params
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        rows: list[Row] = []
        try:
            for value in values:
                cursor.execute(sql, [value if n == "value" else fixed[n] for n in order])
                names = [d[0] for d in cursor.description]
                rows += [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()
        return rows

    def _lateral(
        self, kind: str, key: Column[Any], values: Sequence[str], cap: int,
        fields: Collection[str] | None = None,
    ) -> list[Row]:  # fmt: skip
        """PostgreSQL: the values as one JSON array parameter, each value's newest rows by
        the index (no IN list compared row by row, see ConversionRepository._one_of). JSON
        rather than a text array: the driver writes an array's thousands of elements one by
        one in Python, ``json.dumps`` all at once, and both carry any text exactly."""
        array = cast(bindparam("keys", type_=Text), JSON)
        keys = func.json_array_elements_text(array).table_valued("value")
        keys = keys.render_derived(name="wanted")
        newest = self._base(kind, key, fields).where(key == keys.c.value)
        per_key = newest.order_by(_TABLES[kind].c.id.desc()).limit(cap).lateral("found")
        stmt = select(per_key).select_from(keys).join(per_key, true())
        return self._driver_rows(stmt, {"keys": json.dumps(list(values))})

    def _driver_rows(self, stmt: Select[Any], values: Mapping[str, Any]) -> list[Row]:
        """Run ``stmt`` on the driver's cursor, rows as dicts: a bulk lookup returns
        thousands of rows, and SQLAlchemy's result rows would cost more than the query.
        Every column read is text or an integer, so nothing is lost."""
        compiled = stmt.compile(dialect=self.conn.dialect)
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute(str(compiled), {**compiled.params, **values})
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def records(self, kind: str, ids: Iterable[int]) -> dict[int, Row]:
        """Records of ``kind`` by id with the fields rules compare (merged ones included)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        table = _TABLES[kind]
        found: dict[int, Row] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            stmt = _select(kind, table.c.id).add_columns(*_extra(kind))
            stmt = stmt.where(table.c.id.in_(chunk))
            found.update((row["id"], row) for row in _dicts(self.conn.execute(stmt).mappings()))
        return found

    def record(self, kind: str, record_id: int) -> Row | None:
        """One live or merged record with the fields rules compare, or ``None``."""
        return self.records(kind, [record_id]).get(record_id)

    def account_names(self, ids: Iterable[int]) -> dict[int, str]:
        """Account names by id (a contact's company, for comparing)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        a = t.accounts.c
        stmt = select(a.id, a.name).where(a.id.in_(wanted))
        return {row.id: row.name for row in self.conn.execute(stmt)}

    # --- reports --------------------------------------------------------------------------

    def open_pairs(
        self, pairs: Iterable[tuple[str, int, str, int]]
    ) -> set[tuple[str, int, str, int]]:
        """Which of these (type, id, other type, other id) pairs already have an open
        report, in either direction."""
        wanted = set(pairs)
        if not wanted:
            return set()
        rep = t.duplicate_reports.c
        ids = {p[1] for p in wanted} | {p[3] for p in wanted}
        found: set[tuple[str, int, str, int]] = set()
        for start in range(0, len(sorted(ids)), _CHUNK):
            chunk = sorted(ids)[start : start + _CHUNK]
            stmt = select(rep.object_type, rep.record_id, rep.other_type, rep.other_id).where(
                rep.resolved_at.is_(None), rep.record_id.in_(chunk)
            )
            for row in self.conn.execute(stmt):
                pair = (row[0], row[1], row[2], row[3])
                found.add(pair)
                found.add((pair[2], pair[3], pair[0], pair[1]))
        return wanted & found

    def add_reports(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert report rows; how many."""
        if rows:
            self.conn.execute(insert(t.duplicate_reports), list(rows))
        return len(rows)

    def report_page(self, query: ReportQuery) -> tuple[list[Row], int]:
        """One page of report rows (newest first) with the rule's name, and the total."""
        rep, r = t.duplicate_reports, t.duplicate_rules
        where = _report_filters(query)
        stmt = (
            select(rep, r.c.name.label("rule_name"))
            .select_from(rep.outerjoin(r, r.c.id == rep.c.rule_id))
            .where(*where)
            .order_by(rep.c.reported_at.desc(), rep.c.id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        total = self.conn.execute(select(func.count()).select_from(rep).where(*where)).scalar_one()
        return _dicts(self.conn.execute(stmt).mappings()), int(total)

    def report(self, report_id: int) -> Row | None:
        """One report row, or ``None``."""
        stmt = select(t.duplicate_reports).where(t.duplicate_reports.c.id == report_id)
        row = self.conn.execute(stmt).mappings().first()
        return dict(row) if row is not None else None

    def resolve(self, report_ids: Iterable[int], now: datetime) -> None:
        """Mark report rows resolved (dismissed or merged)."""
        rep = t.duplicate_reports
        ids = list(set(report_ids))
        if ids:
            stmt = update(rep).where(rep.c.id.in_(ids), rep.c.resolved_at.is_(None))
            self.conn.execute(stmt.values(resolved_at=now))

    def resolve_for_records(self, kind: str, ids: Iterable[int], now: datetime) -> None:
        """Resolve the open reports naming any of these records (after a merge)."""
        rep = t.duplicate_reports
        wanted = list(set(ids))
        if not wanted:
            return
        mentions = or_(
            and_(rep.c.object_type == kind, rep.c.record_id.in_(wanted)),
            and_(rep.c.other_type == kind, rep.c.other_id.in_(wanted)),
        )
        stmt = update(rep).where(rep.c.resolved_at.is_(None), mentions).values(resolved_at=now)
        self.conn.execute(stmt)


# How each kind's columns read as the fields rules compare (see domain.duplicate_rules).
_VIEWS: dict[str, dict[str, str]] = {
    "lead": {name: f"leads.{name}" for name in (*_PERSON, "company", "website", "city",
                                                "state", "postal_code", "country")},
    "contact": {**{name: f"contacts.{name}" for name in _PERSON}, "company": "accounts.name",
                "website": "NULL", "city": "contacts.mailing_city",
                "state": "contacts.mailing_state", "postal_code": "contacts.mailing_postal_code",
                "country": "contacts.mailing_country"},
    "account": {name: f"accounts.{name}" for name in _VIEW_COLUMNS["account"]},
}  # fmt: skip
# The stored keys that are the normalised values of compared fields (``nk_`` + field).
_STORED: dict[str, dict[str, str]] = {
    "lead": {"email": "leads.email_key", "phone": "leads.phone_key",
             "company": "leads.company_key"},
    "contact": {"email": "contacts.email_key", "phone": "contacts.phone_key",
                "company": "accounts.name_key"},
    "account": {"name": "accounts.name_key", "website": "accounts.website_domain",
                "phone": "accounts.phone_key"},
}  # fmt: skip
_SOURCES = {
    "lead": "leads",
    "contact": "contacts LEFT OUTER JOIN accounts ON accounts.id = contacts.account_id",
    "account": "accounts",
}
_LIVE = {
    "lead": "leads.merged_into_id IS NULL AND NOT leads.is_converted",
    "contact": "contacts.merged_into_id IS NULL",
    "account": "accounts.merged_into_id IS NULL",
}


@functools.lru_cache(maxsize=64)
def _one_record_sql(shape: tuple[tuple[str, tuple[str, ...]], ...], cap: int) -> TextClause:
    """``UNION ALL`` of one newest-first, capped lookup per kind and key kind (see
    :meth:`DuplicateRepository.candidates_of_one`)."""
    parts = []
    for kind, anchors in shape:
        table = _TABLES[kind].name
        view = ", ".join(f"{column} AS {name}" for name, column in _VIEWS[kind].items())
        view += "".join(f", {column} AS nk_{name}" for name, column in _STORED[kind].items())
        for anchor in anchors:
            key = _KEY_COLUMNS[kind][anchor]
            # Only schema names and checked key kinds are formatted in; values are bound.
            parts.append(
                f"SELECT * FROM (SELECT '{kind}' AS kind, '{anchor}' AS anchor, "  # noqa: S608
                f"{table}.id AS id, {view}, {key.table.name}.{key.name} AS match_key "
                f"FROM {_SOURCES[kind]} WHERE {key.table.name}.{key.name} = :k_{kind}_{anchor} "
                f"AND {_LIVE[kind]} ORDER BY {table}.id DESC LIMIT {int(cap)}) "
                f"AS found_{kind}_{anchor}"
            )
    return text(" UNION ALL ".join(parts))


def _select(kind: str, key: Column[Any], fields: Collection[str] | None = None) -> Select[Any]:
    """The fields rules compare of ``kind`` (of a lead, only ``fields`` when given), with
    the lookup key as ``match_key``."""
    table = _TABLES[kind]
    names = _VIEW_COLUMNS[kind]
    if kind == "lead" and fields is not None:
        names = tuple(name for name in names if name in fields)
    columns: list[Any] = [table.c.id, *(table.c[name] for name in names)]
    columns.append(key.label("match_key"))
    if kind != "contact":
        return select(*columns)
    a = t.accounts
    stmt = select(*columns, a.c.name.label("account_name"))
    return stmt.select_from(table.outerjoin(a, a.c.id == table.c.account_id))


def _dicts(rows: Iterable[RowMapping]) -> list[Row]:
    return [dict(row) for row in rows]


def _live(kind: str) -> list[ColumnElement[bool]]:
    table = _TABLES[kind]
    conditions: list[ColumnElement[bool]] = [table.c.merged_into_id.is_(None)]
    if kind == "lead":
        conditions.append(table.c.is_converted.is_(False))
    return conditions


def _extra(kind: str) -> list[Any]:
    table = _TABLES[kind]
    extra = [table.c.merged_into_id.label("merged_into_id")]
    if kind == "lead":
        extra.append(table.c.is_converted.label("is_converted"))
    return extra


def _report_filters(query: ReportQuery) -> list[ColumnElement[bool]]:
    rep = t.duplicate_reports.c
    where: list[ColumnElement[bool]] = []
    if query.status == "open":
        where.append(rep.resolved_at.is_(None))
    elif query.status == "dismissed":
        where.append(rep.resolved_at.is_not(None))
    if query.object_type:
        where.append(rep.object_type == query.object_type)
    if query.rule_id is not None:
        where.append(rep.rule_id == query.rule_id)
    return where + _visible_pairs(query.viewer)


def _visible_pairs(viewer: Viewer | None) -> list[ColumnElement[bool]]:
    """Report rows both of whose records ``viewer`` may read."""
    rep = t.duplicate_reports.c
    where: list[ColumnElement[bool]] = []
    for kind in ("lead", "contact", "account"):
        clause = visible_clause(kind, viewer)
        if clause is None:
            continue
        readable = select(OWNED_TABLES[kind].c.id).where(clause)
        for type_column, id_column in ((rep.object_type, rep.record_id),
                                       (rep.other_type, rep.other_id)):  # fmt: skip
            where.append(or_(type_column != kind, id_column.in_(readable)))
    return where
