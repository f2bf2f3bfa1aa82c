"""The building blocks of a record page definition: fields, sections, list columns, filters.

A record page (accounts, contacts, opportunities) is declared once as data: which fields it
shows in which sections and how each is edited, which columns its list has and how they
sort, which filters narrow it. Required flags, text limits and fixed choices are read from
the domain's :class:`~opportune.domain.fields.RecordSpec`, so a form can never disagree
with the rules that check it.
"""

from __future__ import annotations

from dataclasses import dataclass

from opportune.domain.fields import RecordSpec

# What edits a field: an <input type=...> for text, email, tel, url and date; "textarea";
# "select" (choices from ``options`` or the lookup named by ``source``); "checkbox";
# "number", "money" and "percent" (text inputs for numbers); "reference" (an account,
# typed or picked from a searchable list); "address" (five inputs edited as one block);
# "computed" (shown only: it follows from other fields).
INPUT_KINDS = frozenset({"text", "email", "tel", "url", "date"})
NUMBER_KINDS = frozenset({"number", "money", "percent"})
ADDRESS_PARTS = (
    ("street", "Street"), ("city", "City"), ("state", "State / province"),
    ("postal_code", "Postal code"), ("country", "Country"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecordField:
    """One field of a record page: its input name, label and how it is shown and edited.

    ``source`` names the lookup a select's choices come from (``users``, ``lead_sources``,
    ``stages``, ``lost_reasons``); ``options`` are fixed choices. ``parts`` are the input
    names of an address. ``shown_if`` names a flag of the shown record that must be true
    for the field to appear (a lost reason only on a lost opportunity).
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    maxlength: int | None = None
    wide: bool = False
    source: str | None = None
    options: tuple[str, ...] = ()
    blank: bool = True
    parts: tuple[str, ...] = ()
    shown_if: str | None = None

    @property
    def input_id(self) -> str:
        """The id of the field's input, for labels and error links."""
        return f"f-{self.name}"

    @property
    def inputs(self) -> tuple[str, ...]:
        """The form inputs the field posts: its parts for an address, else itself."""
        return self.parts or (self.name,)

    @property
    def labelled_parts(self) -> list[tuple[str, str]]:
        """An address's input names with their labels: ('billing_city', 'City')..."""
        return [(name, label) for name, (_, label) in zip(self.parts, ADDRESS_PARTS, strict=True)]

    @property
    def editable(self) -> bool:
        """False for values that follow from others and are only shown."""
        return self.kind != "computed"

    @property
    def is_select(self) -> bool:
        """True when the field is chosen from a list."""
        return self.kind == "select"


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of fields; ``wide`` sections span the page's width."""

    title: str
    fields: tuple[RecordField, ...]
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a record list: the row key it shows, how, and the sort it offers.

    ``cell`` is how the value is drawn: ``link`` (to the record), ``account`` (a link to
    the row's account), ``badge`` (a stage), ``rating``, ``money``, ``percent``, ``date``
    or ``text``. ``sort_kind`` words the order: ``text``, ``date`` or ``number``.
    """

    key: str
    label: str
    cell: str = "text"
    sort: str | None = None
    sort_kind: str = "text"


@dataclass(frozen=True, slots=True)
class ListFilter:
    """A select that narrows a record list: its query parameter and where its choices
    come from (a lookup name, as for fields, or fixed ``options``)."""

    name: str
    label: str
    any_label: str
    source: str | None = None
    options: tuple[tuple[str, str], ...] = ()


class FieldFactory:
    """Declares fields of one kind of record, taking required flags, text limits and fixed
    choices from the record's domain specification."""

    def __init__(self, spec: RecordSpec) -> None:
        self.spec = spec

    def __call__(self, name: str, label: str, kind: str = "text", **extra: object) -> RecordField:
        """A field of the record; ``extra`` sets the other :class:`RecordField` attributes."""
        domain = self.spec.get(name)
        if domain is None and kind != "computed":
            raise ValueError(f"{self.spec.noun} has no input field '{name}'")
        values: dict[str, object] = {}
        if domain is not None:
            values = {"required": domain.required, "maxlength": domain.max_length}
            if domain.choices:
                values["options"] = domain.choices
        values.update(extra)
        return RecordField(name, label, kind, **values)  # type: ignore[arg-type]

    def address(self, prefix: str, label: str) -> RecordField:
        """The five fields of a postal address, edited and shown as one block."""
        parts = tuple(f"{prefix}_{part}" for part, _ in ADDRESS_PARTS)
        missing = [p for p in parts if self.spec.get(p) is None]
        if missing:
            raise ValueError(f"{self.spec.noun} has no address fields {missing}")
        return RecordField(prefix, label, "address", parts=parts)


def address_part_label(name: str) -> str | None:
    """'Billing city' for ``billing_city``; None when the name is no address part."""
    for part, label in ADDRESS_PARTS:
        if name.endswith(f"_{part}"):
            prefix = name[: -len(part) - 1]
            return f"{prefix.capitalize()} {label.lower()}"
    return None
