"""The syntax tree of a parsed SOQL query: frozen dataclasses, nothing else.

Names are kept as written (SOQL names are case-insensitive; matching them against
objects and fields is the translator's job). Keywords, aggregate functions and date
literal names are upper case. Literal values are plain Python values: ``None``,
``bool``, ``str``, ``int``, ``Decimal``, ``date``, an aware ``datetime``, or a
:class:`DateLiteral`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypeAlias

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "Aggregate",
    "And",
    "Comparison",
    "Condition",
    "DateLiteral",
    "FieldRef",
    "InList",
    "Not",
    "Operator",
    "Or",
    "OrderItem",
    "Query",
    "SelectItem",
    "Value",
]

AGGREGATE_FUNCTIONS = ("COUNT", "SUM", "AVG", "MIN", "MAX")

Operator: TypeAlias = Literal["=", "!=", "<", "<=", ">", ">=", "LIKE"]


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field, or one parent level and its field: ``("Name",)``, ``("Account", "Name")``."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``COUNT()`` (``field`` is None), or ``COUNT/SUM/AVG/MIN/MAX(field)`` with an alias."""

    function: str
    field: FieldRef | None
    alias: str | None = None


SelectItem: TypeAlias = FieldRef | Aggregate


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """A relative date such as ``TODAY`` or ``LAST_N_DAYS:30`` (``n`` = 30)."""

    name: str
    n: int | None = None


Value: TypeAlias = bool | str | int | Decimal | date | datetime | DateLiteral | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field operator value``; ``<>`` is read as ``!=``.

    For ``LIKE`` the value is a pattern in SQL ``LIKE ... ESCAPE '\\'`` form: ``%`` and
    ``_`` are wildcards, and ``\\%``, ``\\_`` and ``\\\\`` stay escaped as written.
    """

    field: FieldRef
    operator: Operator
    value: Value


@dataclass(frozen=True, slots=True)
class InList:
    """``field IN (values)``, or ``field NOT IN (values)`` when ``negated``."""

    field: FieldRef
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Not:
    """``NOT condition``."""

    condition: Condition


@dataclass(frozen=True, slots=True)
class And:
    """Two or more conditions that must all hold."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more conditions of which one must hold."""

    conditions: tuple[Condition, ...]


Condition: TypeAlias = Comparison | InList | Not | And | Or


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ``ORDER BY`` key; ``nulls`` is None when the query leaves it to the default."""

    field: FieldRef
    direction: Literal["ASC", "DESC"] = "ASC"
    nulls: Literal["FIRST", "LAST"] | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """A whole ``SELECT`` statement."""

    select: tuple[SelectItem, ...]
    object: str
    where: Condition | None = None
    group_by: tuple[FieldRef, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
