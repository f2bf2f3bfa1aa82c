"""Rows read for a SOQL plan, shaped as Salesforce's JSON records.

A record carries ``attributes`` (its type and REST URL), then the selected fields by
their Salesforce names; parent fields nest under the relationship name with their own
attributes (``{"Account": {"attributes": ..., "Name": "Acme"}}``), or the relationship
is null when the record has no parent. A polymorphic parent (``Who.Name``) is typed
``Name``, as Salesforce does, with the URL of the record it is. Aggregate rows are
``AggregateResult`` records keyed by group field name and by aggregate alias (``expr0``,
``expr1``... unaliased).
"""

from __future__ import annotations

from typing import Any

from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import Polymorphic, SfField
from opportune.domain.salesforce.soql_plan import AggregateOutput, FieldOutput, Plan
from opportune.domain.salesforce.values import to_salesforce_value

__all__ = ["attributes", "shape_rows"]

Record = dict[str, Any]
# Salesforce gives a polymorphic parent (``Who``, ``What``) the type of its "Name" object.
POLYMORPHIC_TYPE = "Name"


def attributes(object_name: str, record_id: int, version: str) -> dict[str, str]:
    """A record's ``attributes``: its type and the path of its REST resource."""
    url = f"/services/data/v{version}/sobjects/{object_name}/{sf_id(object_name, record_id)}"
    return {"type": object_name, "url": url}


def shape_rows(plan: Plan, rows: list[tuple[object, ...]], version: str) -> list[Record]:
    """Salesforce records from the repository's rows for ``plan``."""
    if plan.aggregated:
        return [_aggregate_record(plan, row) for row in rows]
    return [_record(plan, row, version) for row in rows]


def _record(plan: Plan, row: tuple[object, ...], version: str) -> Record:
    """One record. The row holds the outputs, the id of each parent relationship, then
    the record's own id."""
    count = len(plan.outputs)
    parents: dict[str, Record | None] = {}
    for relationship, parent_id in zip(plan.parents, row[count:-1], strict=True):
        parents[relationship.name] = _parent(relationship, parent_id, version)
    record: Record = {"attributes": attributes(plan.sobject.name, _number(row[-1]), version)}
    for output, value in zip(plan.outputs, row[:count], strict=True):
        assert isinstance(output, FieldOutput)
        target = output.target
        shaped = to_salesforce_value(target.field, value)
        if target.relationship is None:
            record[target.field.name] = shaped
            continue
        parent = parents[target.relationship.name]
        record.setdefault(target.relationship.relationship or target.relationship.name, parent)
        if parent is not None:
            parent[target.field.name] = shaped
    return record


def _parent(relationship: SfField, parent_id: object, version: str) -> Record | None:
    """The nested parent record with its attributes, or None when there is no parent.

    A polymorphic parent's id comes as one id per option (the first set one wins); its
    ``attributes.type`` is ``Name``, Salesforce's object for polymorphic parents, and
    its URL names the record's actual object.
    """
    source = relationship.source
    if not isinstance(source, Polymorphic):
        if parent_id is None:
            return None
        return {"attributes": attributes(relationship.reference_to[0], _number(parent_id), version)}
    assert isinstance(parent_id, tuple)
    for option, number in zip(source.options, parent_id, strict=True):
        if number is not None:
            shaped = attributes(option.target, _number(number), version)
            return {"attributes": {**shaped, "type": POLYMORPHIC_TYPE}}
    return None


def _aggregate_record(plan: Plan, row: tuple[object, ...]) -> Record:
    record: Record = {"attributes": {"type": "AggregateResult"}}
    for output, value in zip(plan.outputs, row, strict=True):
        if isinstance(output, FieldOutput):
            record[output.target.field.name] = to_salesforce_value(output.target.field, value)
        elif output.function == "COUNT":
            record[output.name] = _number(value)
        elif output.function == "AVG":
            record[output.name] = None if value is None else float(str(value))
        else:
            record[output.name] = _aggregate_value(output, value)
    return record


def _aggregate_value(output: AggregateOutput, value: object) -> object:
    assert output.target is not None
    return to_salesforce_value(output.target.field, value)


def _number(value: object) -> int:
    assert isinstance(value, int), f"an integer id or count, not {value!r}"
    return value
