"""A parsed SOQL query checked against the served objects: a :class:`Plan` to run.

:func:`plan_query` resolves every name of a :class:`~opportune.domain.soql.Query` to a
field of the object or of one parent (``Account.Name``), checks each filter value
against its field's type, and turns values into what the database layer compares:
ids into :class:`RecordKey`, date literals into half-open :class:`Span` ranges (of UTC
moments for datetime fields, so ``CreatedDate = TODAY`` covers the whole UTC day).
Problems raise :class:`~opportune.domain.soql.SoqlError` with the position of the name
at fault when the query text is known.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from opportune.domain.salesforce.ids import id_object, parse_id, to_18
from opportune.domain.salesforce.objects import (
    Polymorphic,
    Reference,
    SfField,
    SObject,
    polymorphic_field,
    polymorphic_fields,
    sobject,
)
from opportune.domain.salesforce.soql_plan_parts import (
    NUMBER_TYPES,
    STRING_TYPES,
    AggregateOutput,
    AllOf,
    AnyOf,
    FieldOutput,
    Filter,
    Negated,
    Ordering,
    Output,
    Plan,
    RecordKey,
    Resolved,
    Span,
    Target,
)
from opportune.domain.soql import (
    Aggregate,
    And,
    Comparison,
    Condition,
    DateLiteral,
    FieldRef,
    InList,
    Not,
    Or,
    Query,
    SoqlError,
    Value,
    resolve_date_literal,
)
from opportune.errors import ValidationError

__all__ = [
    "NUMBER_TYPES",
    "STRING_TYPES",
    "AggregateOutput",
    "AllOf",
    "AnyOf",
    "FieldOutput",
    "Filter",
    "Negated",
    "Ordering",
    "Output",
    "Plan",
    "RecordKey",
    "Resolved",
    "Span",
    "Target",
    "plan_query",
]

_EQUALITY = ("=", "!=")


def plan_query(
    query: Query, *, text: str | None, today: date, fiscal_year_start_month: int = 1
) -> Plan:
    """Check ``query`` against the served objects and resolve it into a :class:`Plan`.

    ``text`` is the query as written (for error positions; None for a built query);
    ``today`` (UTC) and ``fiscal_year_start_month`` anchor the date literals.
    """
    return _Planner(query, text, today, fiscal_year_start_month).plan()


# --- positions -------------------------------------------------------------------------

_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|[A-Za-z][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z][A-Za-z0-9_]*)*")
_FROM = re.compile(r"\bfrom\s+([A-Za-z][A-Za-z0-9_]*)", re.IGNORECASE)


def _locate(text: str, path: tuple[str, ...]) -> int:
    """Where ``path`` is first written as a name in ``text`` (outside strings), else 0."""
    wanted = [part.casefold() for part in path]
    for match in _TOKEN.finditer(text):
        token = match.group()
        if (
            not token.startswith("'")
            and [part.strip().casefold() for part in token.split(".")] == wanted
        ):
            return match.start()
    return 0


def _id_key(value: str) -> RecordKey | None:
    """The key of a 15/18-character id; None when it is not an id at all."""
    full = to_18(value.strip())
    if full is None:
        return None
    owner = id_object(full)
    if owner is None:
        return RecordKey("", 0)
    try:
        return RecordKey(owner, parse_id(full, owner))
    except ValidationError:
        return RecordKey(owner, 0)


class _Planner:
    """Resolution state for one query."""

    def __init__(self, query: Query, text: str | None, today: date, fiscal: int) -> None:
        self.query = query
        self.text = text
        self.today = today
        self.fiscal = fiscal
        self.sobject = self._object()

    def fail(self, what: str, at: FieldRef | None, code: str = "INVALID_FIELD") -> SoqlError:
        if self.text is None:
            return SoqlError(what, line=1, column=1, offset=0, code=code)
        offset = 0 if at is None else _locate(self.text, at.path)
        return self._error(what, offset, code)

    def _error(self, what: str, offset: int, code: str) -> SoqlError:
        text = self.text or ""
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        message = f"{what} at line {line}, column {column} (offset {offset})"
        return SoqlError(message, line=line, column=column, offset=offset, code=code)

    def _object(self) -> SObject:
        found = sobject(self.query.object)
        if found is not None:
            return found
        what = f"sObject type '{self.query.object}' is not supported"
        if self.text is None:
            raise SoqlError(what, line=1, column=1, offset=0, code="INVALID_TYPE")
        match = _FROM.search(self.text)
        raise self._error(what, match.start(1) if match else 0, "INVALID_TYPE")

    # --- names ---------------------------------------------------------------------

    def target(self, ref: FieldRef) -> Target:
        """The field a reference names, on the object or one parent."""
        path = ref.path
        named_self = len(path) == 2 and path[0].lower() == self.sobject.name.lower()
        if named_self and self.sobject.relationship(path[0]) is None:
            path = path[1:]  # "Lead.Name" in a query on Lead
        if len(path) == 1:
            return Target(self._field(self.sobject, path[0], ref))
        relationship = self.sobject.relationship(path[0])
        if relationship is None:
            raise self.fail(f"Didn't understand relationship '{path[0]}' in field path", ref)
        if isinstance(relationship.source, Polymorphic):
            return Target(self._polymorphic(relationship, path[1], ref), relationship)
        parent = sobject(relationship.reference_to[0])
        assert parent is not None, f"{relationship.name} points at an unserved object"
        return Target(self._field(parent, path[1], ref), relationship, parent)

    def _polymorphic(self, relationship: SfField, name: str, ref: FieldRef) -> SfField:
        """A "Name" field of the record a polymorphic reference points at (``Who.Name``)."""
        found = polymorphic_field(relationship, name)
        if found is None:
            served = ", ".join(polymorphic_fields(relationship))
            targets = " or ".join(relationship.reference_to)
            raise self.fail(
                f"No such column '{name}' on the polymorphic relationship "
                f"'{relationship.relationship}' ({targets}): the fields supported are {served}",
                ref,
            )
        return found

    def _field(self, owner: SObject, name: str, ref: FieldRef) -> SfField:
        found = owner.field(name)
        if found is None:
            raise self.fail(f"No such column '{name}' on entity '{owner.name}'", ref)
        return found

    # --- the whole query -----------------------------------------------------------

    def plan(self) -> Plan:
        query = self.query
        outputs = self._outputs()
        group_by = tuple(self.target(ref) for ref in query.group_by)
        first = outputs[0]
        count_only = isinstance(first, AggregateOutput) and first.target is None
        aggregated = bool(group_by) or any(isinstance(o, AggregateOutput) for o in outputs)
        return Plan(
            sobject=self.sobject,
            outputs=outputs,
            where=None if query.where is None else self.condition(query.where),
            group_by=group_by,
            order_by=self._order(group_by, aggregated),
            limit=query.limit,
            offset=query.offset,
            count_only=count_only,
        )

    def _outputs(self) -> tuple[Output, ...]:
        outputs: list[Output] = []
        unnamed = 0
        for item in self.query.select:
            if isinstance(item, FieldRef):
                output = FieldOutput(self.target(item))
                if output not in outputs:  # Salesforce returns a field once
                    outputs.append(output)
                continue
            target = None if item.field is None else self.target(item.field)
            if target is not None:
                self._check_aggregate(item, target)
            name = item.alias
            if name is None:
                name, unnamed = f"expr{unnamed}", unnamed + 1
            outputs.append(AggregateOutput(item.function, target, name))
        return tuple(outputs)

    def _check_aggregate(self, item: Aggregate, target: Target) -> None:
        kind = target.field.type
        numeric = kind in NUMBER_TYPES
        if (item.function in ("SUM", "AVG") and not numeric) or (
            item.function in ("MIN", "MAX") and kind == "boolean"
        ):
            raise self.fail(
                f"field {target.field.name} does not support aggregate operator {item.function}",
                item.field,
                "MALFORMED_QUERY",
            )

    def _order(self, group_by: tuple[Target, ...], aggregated: bool) -> tuple[Ordering, ...]:
        keys: list[Ordering] = []
        for item in self.query.order_by:
            descending = item.direction == "DESC"
            nulls_first = item.nulls != "LAST"
            keys.append(Ordering(self.target(item.field), descending, nulls_first))
        used = {key.target for key in keys}
        if aggregated:
            keys += [Ordering(target) for target in group_by if target not in used]
        else:
            identity = Target(self.sobject.fields[0])  # every object's first field is Id
            if identity not in used:
                keys.append(Ordering(identity))
        return tuple(keys)

    # --- WHERE ---------------------------------------------------------------------

    def condition(self, condition: Condition) -> Resolved:
        """The resolved form of a parsed condition."""
        if isinstance(condition, And):
            return AllOf(tuple(self.condition(c) for c in condition.conditions))
        if isinstance(condition, Or):
            return AnyOf(tuple(self.condition(c) for c in condition.conditions))
        if isinstance(condition, Not):
            return Negated(self.condition(condition.condition))
        if isinstance(condition, InList):
            return self._in_list(condition)
        return self._comparison(condition)

    def _comparison(self, comparison: Comparison) -> Filter:
        target = self.target(comparison.field)
        op = comparison.operator
        self._check_operator(target, op, comparison.field)
        return Filter(target, op, self._value(target, comparison.value, comparison.field))

    def _in_list(self, condition: InList) -> Resolved:
        target = self.target(condition.field)
        self._check_operator(target, "=", condition.field)
        values = tuple(self._value(target, v, condition.field) for v in condition.values)
        if any(isinstance(v, Span) for v in values):  # each literal is a range of its own
            op = "!=" if condition.negated else "="
            tests = tuple(Filter(target, op, v) for v in values)
            return AllOf(tests) if condition.negated else AnyOf(tests)
        return Filter(target, "NOT IN" if condition.negated else "IN", values)

    def _check_operator(self, target: Target, op: str, ref: FieldRef) -> None:
        field = target.field
        if op == "LIKE" and field.type not in STRING_TYPES:
            raise self.fail(
                f"invalid operator on field {field.name}: LIKE needs a text field",
                ref, "INVALID_QUERY_FILTER_OPERATOR",
            )  # fmt: skip
        restricted = field.type == "boolean" or isinstance(field.source, Polymorphic)
        if restricted and op not in _EQUALITY:
            raise self.fail(
                f"invalid operator on field {field.name}: only = and != are allowed",
                ref, "INVALID_QUERY_FILTER_OPERATOR",
            )  # fmt: skip

    def _value(self, target: Target, value: Value, ref: FieldRef) -> object:
        """A filter value checked against the field's type, in the form the db compares."""
        if value is None:
            return None
        field = target.field
        if isinstance(field.source, Reference | Polymorphic):
            return self._id_value(value, ref)
        if field.type in ("date", "datetime") and isinstance(value, DateLiteral):
            return self._span(field.type, value)
        if self._accepts(field.type, value):
            return value
        quoted = isinstance(value, str)
        hint = " and should not be enclosed in quotes" if quoted else ""
        raise self.fail(
            f"value of filter criterion for field '{field.name}' must be of type "
            f"{field.type}{hint}",
            ref,
        )

    @staticmethod
    def _accepts(kind: str, value: Value) -> bool:
        if kind in STRING_TYPES:
            return isinstance(value, str)
        if kind in NUMBER_TYPES:
            return isinstance(value, int | Decimal) and not isinstance(value, bool)
        if kind == "boolean":
            return isinstance(value, bool)
        if kind == "datetime":
            return isinstance(value, datetime)
        if kind == "date":
            return isinstance(value, date) and not isinstance(value, datetime)
        return False

    def _id_value(self, value: Value, ref: FieldRef) -> RecordKey:
        key = _id_key(value) if isinstance(value, str) else None
        if key is None:
            raise self.fail(f"invalid ID field: {value}", ref, "INVALID_QUERY_FILTER_OPERATOR")
        return key

    def _span(self, kind: str, literal: DateLiteral) -> Span:
        first, last = resolve_date_literal(literal, self.today, self.fiscal)
        end = last + timedelta(days=1)
        if kind == "date":
            return Span(first, end)
        return Span(datetime.combine(first, time(), UTC), datetime.combine(end, time(), UTC))
