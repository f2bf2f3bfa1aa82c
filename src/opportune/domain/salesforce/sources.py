"""Where a Salesforce field's value lives in Opportune's tables: the kinds of source the
field mapping (:mod:`opportune.domain.salesforce.objects`) uses and the database layer
turns into SQL expressions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "Column",
    "Constant",
    "Derived",
    "FullName",
    "Label",
    "Polymorphic",
    "PolymorphicParent",
    "Reference",
    "Source",
]


@dataclass(frozen=True, slots=True)
class Column:
    """The value of a column of the object's own table."""

    name: str


@dataclass(frozen=True, slots=True)
class Label:
    """The label of the picklist row that the column ``fk`` points at in ``table``."""

    fk: str
    table: str


@dataclass(frozen=True, slots=True)
class Reference:
    """The Salesforce id of the ``target`` record whose integer id is in ``column``."""

    column: str
    target: str


@dataclass(frozen=True, slots=True)
class Polymorphic:
    """A reference to one of several objects: the first column that is set wins."""

    options: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class FullName:
    """The non-empty parts joined with a space (``FirstName LastName``)."""

    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Constant:
    """The same value for every record (``IsDeleted`` is always false here)."""

    value: bool | str | None


@dataclass(frozen=True, slots=True)
class Derived:
    """A value worked out from other columns; ``name`` says which rule, the db layer knows it.

    ``expected_revenue`` (amount * probability / 100), ``task_closed`` (status is Completed),
    ``task_subtype`` (kind: Task or Call), ``day_of:<column>`` (the UTC day of a moment).
    """

    name: str


@dataclass(frozen=True, slots=True)
class PolymorphicParent:
    """A field of whichever record a polymorphic reference points at (``Who.Name``):
    ``values`` holds, per option of ``reference``, the field's source on that option's
    object; the first option that is set wins, as for the reference itself."""

    reference: Polymorphic
    values: tuple[Source, ...]


Source: TypeAlias = (
    Column | Label | Reference | Polymorphic | FullName | Constant | Derived | PolymorphicParent
)
