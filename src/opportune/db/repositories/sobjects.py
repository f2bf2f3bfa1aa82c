"""Salesforce-shaped reads: a checked SOQL plan as one SQLAlchemy Core SELECT.

Each field's :class:`~opportune.domain.salesforce.objects.Source` becomes a column
expression: picklist labels and parent records come through LEFT OUTER JOINs on
aliased tables (one per relationship or picklist, shared by every use), so a page of
records is one statement. Filter values are always bound parameters.

Record-level access (:mod:`opportune.db.visibility`) limits the queried object's rows in
the WHERE clause and each joined parent in its join's ON clause: a parent the viewer may
not read comes back null, as Salesforce returns a relationship to a record one cannot see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Float,
    FromClause,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from opportune.db import tables
from opportune.db.visibility import visible_clause
from opportune.domain.salesforce.objects import (
    Column,
    Constant,
    Derived,
    FullName,
    Label,
    Polymorphic,
    PolymorphicParent,
    Reference,
    SfField,
    SObject,
    Source,
    sobject,
)
from opportune.domain.salesforce.soql_plan import (
    STRING_TYPES,
    AggregateOutput,
    AllOf,
    AnyOf,
    FieldOutput,
    Filter,
    Negated,
    Plan,
    RecordKey,
    Resolved,
    Span,
    Target,
)
from opportune.domain.sharing import Viewer

__all__ = ["OBJECT_TYPES", "SObjectRepository", "table_visibility"]

Expr = ColumnElement[Any]
Row = tuple[object, ...]
# The record-level object type of each table behind a Salesforce object (others: public).
OBJECT_TYPES = {"leads": "lead", "accounts": "account", "contacts": "contact",
                 "opportunities": "opportunity", "activities": "activity"}  # fmt: skip


def table_visibility(
    table_name: str, viewer: Viewer | None, table: FromClause | None = None
) -> ColumnElement[bool] | None:
    """The rows of the table called ``table_name`` (or ``table``, an alias of it) that
    ``viewer`` may read; None when every row is readable (users, picklists...)."""
    object_type = OBJECT_TYPES.get(table_name)
    if object_type is None:
        return None
    return visible_clause(object_type, viewer, table)  # type: ignore[arg-type]


class SObjectRepository:
    """Reads Salesforce objects for SOQL plans."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def count(self, plan: Plan, viewer: Viewer | None) -> int:
        """How many rows (records, or groups) ``viewer`` may read match, before LIMIT and
        OFFSET (``viewer`` None: every row)."""
        builder = _Builder(plan.sobject, self.sqlite, viewer)
        where = builder.where(plan.where)
        if plan.group_by:
            keys = [builder.value(t).label(f"g{i}") for i, t in enumerate(plan.group_by)]
            groups = select(*keys).select_from(builder.from_clause()).where(*where)
            inner = groups.group_by(*keys).subquery()
            stmt = select(func.count()).select_from(inner)
        elif plan.aggregated and not plan.count_only:
            return 1  # aggregates over every row: one result row
        else:
            stmt = select(func.count()).select_from(builder.from_clause()).where(*where)
        return int(self.conn.execute(stmt).scalar_one())

    def rows(
        self, plan: Plan, viewer: Viewer | None, *, offset: int, limit: int | None
    ) -> list[Row]:
        """The rows of a window: one value per output, one id per parent relationship,
        then the record's own id.

        A polymorphic field's value is the tuple of its options' ids. For aggregate plans
        the values are the outputs only. Only rows ``viewer`` may read come back.
        """
        builder = _Builder(plan.sobject, self.sqlite, viewer)
        where = builder.where(plan.where)
        if plan.aggregated:
            stmt, width = _aggregate_select(builder, plan, where)
        else:
            stmt, width = _record_select(builder, plan, where)
        stmt = stmt.offset(offset) if offset else stmt
        stmt = stmt if limit is None else stmt.limit(limit)
        return [_pack(row, width) for row in self.conn.execute(stmt)]


def _pack(row: Any, width: list[int]) -> Row:
    """Regroup a flat row: outputs spanning several columns become tuples."""
    values: list[object] = []
    at = 0
    for size in width:
        values.append(row[at] if size == 1 else tuple(row[at : at + size]))
        at += size
    return tuple(values)


def _record_select(
    builder: _Builder, plan: Plan, where: list[ColumnElement[bool]]
) -> tuple[Select[Any], list[int]]:
    columns: list[Expr] = []
    width: list[int] = []
    for output in plan.outputs:
        assert isinstance(output, FieldOutput)
        exprs = builder.columns(output.target)
        columns += exprs
        width.append(len(exprs))
    for relationship in plan.parents:
        keys = builder.parent_keys(relationship)
        columns += keys
        width.append(len(keys))
    columns.append(builder.root.c.id)
    width.append(1)
    order = [builder.ordering(key.target, key.descending, key.nulls_first) for key in plan.order_by]
    labelled = [c.label(f"c{i}") for i, c in enumerate(columns)]
    stmt = select(*labelled).select_from(builder.from_clause()).where(*where).order_by(*order)
    return stmt, width


def _aggregate_select(
    builder: _Builder, plan: Plan, where: list[ColumnElement[bool]]
) -> tuple[Select[Any], list[int]]:
    """Group in a subquery of plain columns, so GROUP BY and ORDER BY name columns only."""
    inner_columns = [builder.value(t).label(f"g{i}") for i, t in enumerate(plan.group_by)]
    arguments = [o.target for o in plan.outputs if isinstance(o, AggregateOutput) and o.target]
    inner_columns += [builder.value(t).label(f"v{i}") for i, t in enumerate(arguments)]
    inner = select(*inner_columns).select_from(builder.from_clause()).where(*where).subquery("rows")
    groups = {target: inner.c[f"g{i}"] for i, target in enumerate(plan.group_by)}
    columns: list[Expr] = []
    used = 0
    for output in plan.outputs:
        if isinstance(output, FieldOutput):
            columns.append(groups[output.target])
        elif output.target is None:
            columns.append(func.count())
        else:
            columns.append(_aggregate(output.function, inner.c[f"v{used}"]))
            used += 1
    order = [
        _direction(groups[key.target], key.descending, key.nulls_first) for key in plan.order_by
    ]
    stmt = select(*[c.label(f"a{i}") for i, c in enumerate(columns)]).select_from(inner)
    stmt = stmt.group_by(*groups.values()).order_by(*order)
    return stmt, [1] * len(columns)


def _aggregate(function: str, argument: Expr) -> Expr:
    if function == "COUNT":
        return func.count(argument)
    if function == "AVG":
        return func.avg(argument)
    if function == "SUM":
        return func.sum(argument)
    return func.min(argument) if function == "MIN" else func.max(argument)


def _direction(expr: Expr, descending: bool, nulls_first: bool) -> Expr:
    ordered = expr.desc() if descending else expr.asc()
    return ordered.nulls_first() if nulls_first else ordered.nulls_last()


class _Builder:
    """The FROM clause of one statement and the expressions that read over it."""

    def __init__(self, root: SObject, sqlite: bool, viewer: Viewer | None = None) -> None:
        self.sobject = root
        self.root: FromClause = tables.metadata.tables[root.table]
        self.sqlite = sqlite
        self.viewer = viewer
        # Joins in the order they must be written, by what they join.
        self.joins: dict[tuple[str, str], tuple[FromClause, ColumnElement[bool]]] = {}

    def from_clause(self) -> FromClause:
        """The queried table and every join the expressions built so far need."""
        clause = self.root
        for alias, on in self.joins.values():
            clause = clause.outerjoin(alias, on)
        return clause

    def base_filter(self) -> list[ColumnElement[bool]]:
        """Rows that are records of the object: Task is tasks and calls; merged records
        (kept by Opportune so a merge can be undone) are gone as in Salesforce."""
        table = self.root
        conditions: list[ColumnElement[bool]] = []
        if self.sobject.row_filter == "task_or_call":
            conditions.append(table.c.kind.in_(("task", "call")))
        if "merged_into_id" in table.c:
            conditions.append(table.c.merged_into_id.is_(None))
        return conditions

    def where(self, where: Resolved | None) -> list[ColumnElement[bool]]:
        """The WHERE conditions: the object's rows, the query's filter, the visibility."""
        conditions = self.base_filter()
        if where is not None:
            conditions.append(self.condition(where))
        visible = self.visible(self.sobject.table, self.root)
        return conditions if visible is None else [*conditions, visible]

    def visible(self, table_name: str, table: FromClause) -> ColumnElement[bool] | None:
        """The rows of ``table`` (the table called ``table_name``, or an alias of it) the
        viewer may read; None when every row is readable."""
        return table_visibility(table_name, self.viewer, table)

    def _join_on(self, table_name: str, alias: FromClause, on: ColumnElement[bool]) -> Any:
        """A parent's join condition, limited to parents the viewer may read."""
        visible = self.visible(table_name, alias)
        return on if visible is None else and_(on, visible)

    # --- tables ----------------------------------------------------------------------

    def parent(self, relationship: SfField) -> FromClause:
        """The parent table reached through a reference field of the queried object."""
        key = ("parent", relationship.name)
        if key not in self.joins:
            source = relationship.source
            assert isinstance(source, Reference)
            target = tables.metadata.tables[_table_of(source.target)]
            alias = target.alias(f"p_{relationship.name.lower()}")
            on = alias.c.id == self.root.c[source.column]
            self.joins[key] = (alias, self._join_on(target.name, alias, on))
        return self.joins[key][0]

    def parent_keys(self, relationship: SfField) -> list[Expr]:
        """The parent's id: a polymorphic relationship's is one id column per option."""
        source = relationship.source
        if isinstance(source, Polymorphic):
            return [self.root.c[option.column] for option in source.options]
        return [self.parent(relationship).c.id]

    def _option(self, owner: FromClause, option: Reference) -> FromClause:
        """The table of one option of a polymorphic reference, joined on its column."""
        key = ("option", option.column)
        if key not in self.joins:
            target = tables.metadata.tables[_table_of(option.target)]
            alias = target.alias(f"o_{option.column}")
            on = alias.c.id == owner.c[option.column]
            self.joins[key] = (alias, self._join_on(target.name, alias, on))
        return self.joins[key][0]

    def _label(self, owner: FromClause, owner_key: str, source: Label) -> FromClause:
        key = ("label", f"{owner_key}.{source.fk}")
        if key not in self.joins:
            picklist = tables.metadata.tables[source.table]
            alias = picklist.alias(f"l{len(self.joins)}")
            self.joins[key] = (alias, alias.c.id == owner.c[source.fk])
        return self.joins[key][0]

    def _owner(self, target: Target) -> tuple[FromClause, str]:
        if target.relationship is None or isinstance(target.relationship.source, Polymorphic):
            return self.root, ""  # a polymorphic parent's fields join per option
        return self.parent(target.relationship), target.relationship.name

    # --- expressions -----------------------------------------------------------------

    def columns(self, target: Target) -> list[Expr]:
        """The column(s) to select for a field: a polymorphic one has one per option."""
        source = target.field.source
        if isinstance(source, Polymorphic):
            table, _ = self._owner(target)
            return [table.c[option.column] for option in source.options]
        return [self.value(target)]

    def value(self, target: Target) -> Expr:
        """One expression for a field's value (a polymorphic one: the first id set)."""
        table, owner_key = self._owner(target)
        return self._source(table, owner_key, target.field.source)

    def ordering(self, target: Target, descending: bool, nulls_first: bool) -> Expr:
        """A sort key; picklist labels sort in the picklist's order, as in Salesforce."""
        source = target.field.source
        if isinstance(source, Label):
            table, owner_key = self._owner(target)
            expr: Expr = self._label(table, owner_key, source).c.sort_order
        else:
            expr = self.value(target)
        return _direction(expr, descending, nulls_first)

    def _source(self, table: FromClause, owner_key: str, source: Source) -> Expr:
        if isinstance(source, Column):
            return table.c[source.name]
        if isinstance(source, Label):
            return self._label(table, owner_key, source).c.label
        if isinstance(source, Reference):
            return table.c[source.column]
        if isinstance(source, Polymorphic):
            return func.coalesce(*[table.c[o.column] for o in source.options])
        if isinstance(source, FullName):
            return _full_name([table.c[part] for part in source.parts])
        if isinstance(source, Constant):
            kind = Boolean() if isinstance(source.value, bool) else String()
            return literal(source.value, kind)
        if isinstance(source, PolymorphicParent):
            return self._chosen(table, source)
        return self._derived(table, source)

    def _chosen(self, table: FromClause, source: PolymorphicParent) -> Expr:
        """The value on the record the reference points at: one LEFT OUTER JOIN per
        option and a CASE taking the first option whose column is set."""
        whens: list[tuple[ColumnElement[bool], Expr]] = []
        for option, value in zip(source.reference.options, source.values, strict=True):
            # A constant (the object's name for Type) needs no join.
            owner = table if isinstance(value, Constant) else self._option(table, option)
            whens.append((table.c[option.column].is_not(None),
                          self._source(owner, f"o_{option.column}", value)))  # fmt: skip
        return case(*whens, else_=None)

    def _derived(self, table: FromClause, source: Derived) -> Expr:
        name, _, column = source.name.partition(":")
        c = table.c
        if name == "expected_revenue":
            # A float divisor: SQLite would divide integers (whole amounts) without fraction.
            return c.amount * c.probability / literal(100.0, Float())
        if name == "task_closed":
            return type_coerce(case((c.status == "Completed", true()), else_=false()), Boolean())
        if name == "task_subtype":
            return case((c.kind == "call", "Call"), else_="Task")
        if name == "day_of":
            moment = c[column]
            return type_coerce(func.date(moment), Date()) if self.sqlite else cast(moment, Date)
        raise ValueError(f"unknown derived field {source.name}")

    # --- conditions ------------------------------------------------------------------

    def condition(self, condition: Resolved) -> ColumnElement[bool]:
        """A resolved SOQL condition as a SQL condition."""
        if isinstance(condition, AllOf):
            return and_(*[self.condition(c) for c in condition.conditions])
        if isinstance(condition, AnyOf):
            return or_(*[self.condition(c) for c in condition.conditions])
        if isinstance(condition, Negated):
            # SOQL logic has two values: NOT of a test on a null field holds, so the
            # unknown of SQL's three-valued logic counts as false before negating.
            inner = type_coerce(
                func.coalesce(self.condition(condition.condition), false()), Boolean()
            )
            return not_(inner)
        source = condition.target.field.source
        if isinstance(source, Reference | Polymorphic):
            table, _ = self._owner(condition.target)
            return _id_test(table, source, condition)
        return _test(self.value(condition.target), condition)


def _table_of(object_name: str) -> str:
    found = sobject(object_name)
    assert found is not None
    return found.table


def _full_name(parts: list[Expr]) -> Expr:
    """The non-empty parts joined by single spaces: each adds " part", then the first
    space goes (substr from 2). Portable across SQLite and PostgreSQL."""
    pieces: Expr = literal("", String())
    for part in parts:
        pieces = pieces + case((part != "", literal(" ", String()) + part), else_="")
    return func.substr(pieces, 2)


def _test(expr: Expr, test: Filter) -> ColumnElement[bool]:
    """A comparison on a plain value. Text compares case-insensitively, as in Salesforce,
    and ``!=`` / ``NOT IN`` keep records whose value is null (SOQL does)."""
    op, value = test.operator, test.value
    text = test.target.field.type in STRING_TYPES
    if isinstance(value, Span):
        return _span_test(expr, op, value)
    if op in ("IN", "NOT IN"):
        assert isinstance(value, tuple)
        return _in_test(expr, value, negated=op == "NOT IN", text=text)
    if value is None:
        return _null_test(expr, op)
    if op == "LIKE":
        return func.lower(expr).like(func.lower(literal(value, String())), escape="\\")
    left: Expr = func.lower(expr) if text else expr
    right: object = func.lower(literal(value, String())) if text else value
    if op == "=":
        return left == right
    if op == "!=":
        return or_(expr.is_(None), left != right)
    return _ordered(left, op, right)


def _null_test(expr: Expr, op: str) -> ColumnElement[bool]:
    """``= null`` and ``!= null``; ordering against null matches nothing."""
    if op == "=":
        return expr.is_(None)
    return expr.is_not(None) if op == "!=" else false()


def _ordered(left: Expr, op: str, right: object) -> ColumnElement[bool]:
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _span_test(expr: Expr, op: str, span: Span) -> ColumnElement[bool]:
    """A date literal: ``=`` is within its days, ``<`` before the first, ``>`` after the last."""
    start, end = span.start, span.end
    if op == "=":
        return and_(expr >= start, expr < end)
    if op == "!=":
        return or_(expr.is_(None), expr < start, expr >= end)
    bounds: dict[str, ColumnElement[bool]] = {
        "<": expr < start,
        "<=": expr < end,
        ">": expr >= end,
        ">=": expr >= start,
    }
    return bounds[op]


def _in_test(
    expr: Expr, values: tuple[object, ...], *, negated: bool, text: bool
) -> ColumnElement[bool]:
    given = [v for v in values if v is not None]
    left: Expr = func.lower(expr) if text else expr
    right: list[Any] = [func.lower(literal(v, String())) for v in given] if text else given
    with_null = len(given) < len(values)
    if negated:
        kept = left.not_in(right) if given else true()
        return and_(expr.is_not(None), kept) if with_null else or_(expr.is_(None), kept)
    found = left.in_(right) if given else false()
    return or_(found, expr.is_(None)) if with_null else found


def _id_test(
    table: FromClause, source: Reference | Polymorphic, test: Filter
) -> ColumnElement[bool]:
    """A comparison on ids: an id of another object matches nothing (as in Salesforce)."""
    options = source.options if isinstance(source, Polymorphic) else (source,)
    columns: list[Expr] = [table.c[o.column] for o in options]
    op, value = test.operator, test.value
    if op in ("IN", "NOT IN"):
        assert isinstance(value, tuple)
        single = "=" if op == "IN" else "!="
        tests = [_id_compare(options, columns, single, v) for v in value]
        return or_(false(), *tests) if op == "IN" else and_(true(), *tests)
    return _id_compare(options, columns, op, value)


def _id_compare(
    options: tuple[Reference, ...], columns: list[Expr], op: str, value: object
) -> ColumnElement[bool]:
    if value is None:
        nulls = [c.is_(None) for c in columns]
        return and_(*nulls) if op == "=" else not_(and_(*nulls))
    assert isinstance(value, RecordKey)
    matching = [
        c for o, c in zip(options, columns, strict=True)
        if o.target == value.object and value.number > 0
    ]  # fmt: skip
    if not matching:
        return true() if op == "!=" else false()
    column = matching[0]
    if op == "!=":
        return or_(column.is_(None), column != value.number)
    if op == "=":
        return column == value.number
    return _ordered(column, op, value.number)
