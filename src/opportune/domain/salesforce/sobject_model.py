"""What a served Salesforce object and its fields are: :class:`SObject` and :class:`SfField`.

The objects themselves, field by field, are in :mod:`opportune.domain.salesforce.objects`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from opportune.domain.salesforce.ids import KEY_PREFIXES
from opportune.domain.salesforce.sources import Source

__all__ = ["Picklist", "SObject", "SfField"]


# A picklist's values: fixed here, or the name of the table whose active labels they are.
Picklist: TypeAlias = tuple[str, ...] | str


@dataclass(frozen=True, slots=True)
class SfField:
    """One Salesforce field of an object and where it lives in Opportune.

    ``type`` is Salesforce's (``id``, ``string``, ``picklist``, ``reference``, ``boolean``,
    ``currency``, ``double``, ``int``, ``percent``, ``date``, ``datetime``, ``email``,
    ``phone``, ``url``, ``textarea``). ``input`` is the Opportune input name a write sets
    (None: read-only); ``create_only`` fields are set on create and read-only after.
    """

    name: str
    type: str
    source: Source
    input: str | None = None
    length: int = 0
    nillable: bool = True
    create_only: bool = False
    picklist: Picklist | None = None
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    external_id: bool = False
    unique: bool = False

    @property
    def createable(self) -> bool:
        """Whether a create may set the field."""
        return self.input is not None

    @property
    def updateable(self) -> bool:
        """Whether an update may change the field."""
        return self.input is not None and not self.create_only


@dataclass(frozen=True, slots=True)
class SObject:
    """A Salesforce object served over an Opportune table.

    ``kind`` is Opportune's name for the record type (``lead``, ``account``, ...);
    ``row_filter`` names a restriction of the table's rows the db layer applies (Task
    is the task and call activities, not notes).
    """

    name: str
    label: str
    plural: str
    table: str
    kind: str
    fields: tuple[SfField, ...]
    writable: bool = True
    row_filter: str | None = None
    _by_name: dict[str, SfField] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name.lower(): f for f in self.fields})

    @property
    def prefix(self) -> str:
        """The 3-character prefix of the object's ids."""
        return KEY_PREFIXES[self.name]

    def field(self, name: str) -> SfField | None:
        """The field called ``name`` (any case), or None."""
        return self._by_name.get(name.lower())

    def relationship(self, name: str) -> SfField | None:
        """The reference field whose relationship is called ``name`` (``Account``, ``Owner``)."""
        wanted = name.lower()
        return next(
            (f for f in self.fields if f.relationship and f.relationship.lower() == wanted), None
        )

    @property
    def external_ids(self) -> tuple[SfField, ...]:
        """The fields an upsert may match on."""
        return tuple(f for f in self.fields if f.external_id)
