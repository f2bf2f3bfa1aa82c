"""The parts of a SOQL :class:`Plan`: resolved names, filters, outputs and orderings.

:mod:`opportune.domain.salesforce.soql_plan` builds these from a parsed query; the
database layer reads them to build SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

from opportune.domain.salesforce.objects import SfField, SObject

STRING_TYPES = frozenset({"string", "picklist", "email", "phone", "url", "textarea"})
NUMBER_TYPES = frozenset({"currency", "double", "int", "percent"})


@dataclass(frozen=True, slots=True)
class Target:
    """A field of the queried object, or of the parent reached through ``relationship``.

    Through a polymorphic relationship (``Who``) ``parent`` is None: the field is one of
    :func:`~opportune.domain.salesforce.objects.polymorphic_field`'s, read on whichever
    object each record points at.
    """

    field: SfField
    relationship: SfField | None = None
    parent: SObject | None = None


@dataclass(frozen=True, slots=True)
class FieldOutput:
    """A selected field."""

    target: Target


@dataclass(frozen=True, slots=True)
class AggregateOutput:
    """A selected aggregate; ``name`` is its alias or Salesforce's ``exprN``."""

    function: str
    target: Target | None
    name: str


Output: TypeAlias = FieldOutput | AggregateOutput


@dataclass(frozen=True, slots=True)
class RecordKey:
    """An id in a filter: the object its prefix names and its integer id (0: none matches)."""

    object: str
    number: int


@dataclass(frozen=True, slots=True)
class Span:
    """The days of a date literal, from ``start`` (included) to ``end`` (excluded)."""

    start: date | datetime
    end: date | datetime


@dataclass(frozen=True, slots=True)
class Filter:
    """``target operator value``. ``value`` is None, a bool, str, int, Decimal, date,
    datetime, :class:`Span` or :class:`RecordKey`; for ``IN`` and ``NOT IN`` a tuple."""

    target: Target
    operator: str
    value: object


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple[Resolved, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple[Resolved, ...]


@dataclass(frozen=True, slots=True)
class Negated:
    """The condition does not hold."""

    condition: Resolved


Resolved: TypeAlias = Filter | AllOf | AnyOf | Negated


@dataclass(frozen=True, slots=True)
class Ordering:
    """One sort key: Salesforce puts nulls first unless told otherwise."""

    target: Target
    descending: bool = False
    nulls_first: bool = True


@dataclass(frozen=True, slots=True)
class Plan:
    """What to read: the object, outputs, filter, grouping, order and window.

    ``order_by`` always ends in a key that makes the order total (the Id, or every
    grouped field), so pages of the same query never overlap.
    """

    sobject: SObject
    outputs: tuple[Output, ...]
    where: Resolved | None = None
    group_by: tuple[Target, ...] = ()
    order_by: tuple[Ordering, ...] = ()
    limit: int | None = None
    offset: int | None = None
    count_only: bool = False

    @property
    def aggregated(self) -> bool:
        """Whether the rows are groups (aggregate results) rather than records."""
        return bool(self.group_by) or any(isinstance(o, AggregateOutput) for o in self.outputs)

    @property
    def parents(self) -> tuple[SfField, ...]:
        """The relationships of the selected parent fields, in order of first use."""
        seen: dict[str, SfField] = {}
        for output in self.outputs:
            if isinstance(output, FieldOutput) and output.target.relationship is not None:
                seen.setdefault(output.target.relationship.name, output.target.relationship)
        return tuple(seen.values())
