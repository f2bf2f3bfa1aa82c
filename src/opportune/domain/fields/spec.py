"""Field and record specifications: what each input field is and what it accepts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from opportune.errors import FieldError

MAX_INT = 2**31 - 1  # integer columns are 32-bit on every database
MAX_ID = 2**31 - 1  # so are ids: a larger one cannot exist
MAX_DECIMAL = Decimal("1e18")  # money columns hold 18 digits before the decimal point
READ_ONLY_CODE = "INVALID_FIELD_FOR_INSERT_UPDATE"
STAMP_FIELDS = frozenset(
    {"id", "created_at", "created_by_id", "updated_at", "updated_by_id", "version"}
)


class Kind(StrEnum):
    """What kind of value a field holds, which decides how raw input is cleaned."""

    TEXT = "text"
    EMAIL = "email"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"
    ID = "id"
    LABEL = "label"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input field: its name, kind, whether it is required, and its limits.

    ``maximum`` bounds integers and ids (inclusive; ``None`` for ids means unchecked);
    ``below`` bounds decimals (exclusive); ``what`` names what an integer counts or an id
    points at, for messages ("a whole number of employees", "a user id").
    """

    name: str
    kind: Kind
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    maximum: int | None = None
    below: Decimal | None = None
    places: int = 2
    what: str = ""


def text(name: str, max_length: int, *, required: bool = False) -> FieldSpec:
    """A free-text field of at most ``max_length`` characters."""
    return FieldSpec(name, Kind.TEXT, required, max_length=max_length)


def email(name: str = "email", max_length: int = 80, *, required: bool = False) -> FieldSpec:
    """An email address field (80 characters, as in Salesforce)."""
    return FieldSpec(name, Kind.EMAIL, required, max_length=max_length)


def choice(name: str, choices: tuple[str, ...], *, required: bool = False) -> FieldSpec:
    """A field restricted to fixed ``choices``, matched ignoring case."""
    return FieldSpec(name, Kind.CHOICE, required, choices=choices)


def flag(name: str) -> FieldSpec:
    """A true/false field; absent or null means false."""
    return FieldSpec(name, Kind.BOOLEAN)


def decimal(
    name: str, *, below: Decimal | None = MAX_DECIMAL, places: int = 2, required: bool = False
) -> FieldSpec:
    """A non-negative decimal kept to ``places`` decimals, less than ``below``."""
    return FieldSpec(name, Kind.DECIMAL, required, below=below, places=places)


def integer(
    name: str, *, what: str = "", maximum: int | None = None, required: bool = False
) -> FieldSpec:
    """A non-negative whole number that fits a 32-bit column, at most ``maximum``."""
    return FieldSpec(name, Kind.INTEGER, required, maximum=maximum, what=what)


def day(name: str, *, required: bool = False) -> FieldSpec:
    """A calendar date."""
    return FieldSpec(name, Kind.DATE, required)


def moment(name: str, *, required: bool = False) -> FieldSpec:
    """A point in time, stored in UTC."""
    return FieldSpec(name, Kind.DATETIME, required)


def ref(name: str, what: str, *, maximum: int | None = MAX_ID, required: bool = False) -> FieldSpec:
    """The id of another record (``what``: "user", "account"...), from 1 to ``maximum``."""
    return FieldSpec(name, Kind.ID, required, maximum=maximum, what=what)


def label(name: str, *, required: bool = False) -> FieldSpec:
    """A label of a configurable list, resolved to its id by the record's rules."""
    return FieldSpec(name, Kind.LABEL, required)


def address(prefix: str = "") -> tuple[FieldSpec, ...]:
    """The five fields of a postal address, named ``{prefix}street`` and so on."""
    return (
        text(f"{prefix}street", 255),
        text(f"{prefix}city", 40),
        text(f"{prefix}state", 80),
        text(f"{prefix}postal_code", 20),
        text(f"{prefix}country", 80),
    )


@dataclass(frozen=True, slots=True)
class ReadOnly:
    """Fields that input may never set, and what to say to input that tries."""

    names: frozenset[str]
    message: str = "This field is read-only"
    code: str = READ_ONLY_CODE


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """The input fields of one kind of record (``noun``), and its read-only fields."""

    noun: str
    fields: tuple[FieldSpec, ...]
    read_only: tuple[ReadOnly, ...] = (ReadOnly(STAMP_FIELDS),)
    _by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {f.name: f for f in self.fields}
        if len(by_name) != len(self.fields):
            raise ValueError(f"{self.noun}: a field is declared twice")
        object.__setattr__(self, "_by_name", by_name)

    def get(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or ``None`` when input may not set it."""
        return self._by_name.get(name)

    @property
    def names(self) -> frozenset[str]:
        """Every field input may set."""
        return frozenset(self._by_name)

    @property
    def required(self) -> tuple[str, ...]:
        """The required fields, in declaration order."""
        return tuple(f.name for f in self.fields if f.required)

    @property
    def read_only_names(self) -> frozenset[str]:
        """Every field input may never set."""
        return frozenset().union(*(group.names for group in self.read_only))

    def names_of(self, *kinds: Kind) -> frozenset[str]:
        """The fields of the given kinds."""
        return frozenset(f.name for f in self.fields if f.kind in kinds)

    def text_limits(self) -> dict[str, int]:
        """Maximum length of each text and email field, for forms and schemas."""
        return {f.name: f.max_length for f in self.fields if f.max_length is not None}

    def choice_lists(self) -> dict[str, tuple[str, ...]]:
        """The allowed values of each choice field, in display order."""
        return {f.name: f.choices for f in self.fields if f.kind is Kind.CHOICE}

    def unknown_field_error(self, name: str) -> FieldError:
        """The error for input naming a field that is read-only or does not exist."""
        for group in self.read_only:
            if name in group.names:
                return FieldError(name, group.code, group.message)
        return FieldError(name, "INVALID_FIELD", f"No such {self.noun} field")
