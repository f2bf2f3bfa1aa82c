"""Salesforce record input turned into Opportune service input, and errors turned back.

A create or update through the Salesforce-compatible API names fields the Salesforce way
(``LastName``, ``OwnerId``, ``WhoId``); Opportune's services take their own input names
(``last_name``, ``owner_id``, ``lead_id``). :func:`record_input` maps one to the other and
refuses, naming the Salesforce field, what Salesforce would refuse: an unknown field
(``INVALID_FIELD``), a read-only one (``INVALID_FIELD_FOR_INSERT_UPDATE``) and a reference
that is not an id of the right object (``MALFORMED_ID``). The rest of the checking is the
services' own; :func:`salesforce_error` renames the fields of their errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from opportune.domain.salesforce.ids import id_object, malformed_id, parse_id
from opportune.domain.salesforce.objects import Polymorphic, SfField, SObject
from opportune.errors import FieldError, ValidationError

__all__ = [
    "KEY_INPUTS",
    "RecordInput",
    "key_value",
    "read_only_error",
    "record_input",
    "salesforce_error",
    "salesforce_names",
    "unknown_field_error",
]

# Inputs the record services do not take: the keys an upsert matches on, stored apart.
KEY_INPUTS = frozenset({"external_id", "salesforce_id"})
# Salesforce echoes ``attributes`` in records; clients send records back as they got them.
_IGNORED = frozenset({"attributes"})
_CREATE_DEFAULTS: dict[str, dict[str, object]] = {
    "Task": {"kind": "task"},
    "User": {"role": "rep"},
}
_SUBTYPES = {"task": "task", "call": "call"}
_WHO = {"Lead": "lead_id", "Contact": "contact_id"}
_WHAT = {"Account": "account_id", "Opportunity": "opportunity_id"}


@dataclass(frozen=True, slots=True)
class RecordInput:
    """What a Salesforce write asks for: the service's input and the record's keys."""

    data: dict[str, object] = field(default_factory=dict)
    keys: dict[str, str | None] = field(default_factory=dict)


def unknown_field_error(obj: SObject, name: str) -> FieldError:
    """Salesforce's error for a field the object does not have."""
    message = f"No such column '{name}' on sobject of type {obj.name}"
    return FieldError(name, "INVALID_FIELD", message)


def read_only_error(name: str) -> FieldError:
    """Salesforce's error for a field that input may not set."""
    message = (
        f"Unable to create/update fields: {name}. Please check the security settings of "
        "this field and verify that it is read/write for your profile or permission set."
    )
    return FieldError(name, "INVALID_FIELD_FOR_INSERT_UPDATE", message)


def record_input(obj: SObject, values: Mapping[str, object], *, creating: bool) -> RecordInput:
    """Opportune input for a create (``creating``) or an update of ``obj`` from
    Salesforce field values; raise one :class:`ValidationError` naming every bad field."""
    result = RecordInput(dict(_CREATE_DEFAULTS.get(obj.name, {})) if creating else {})
    errors: list[FieldError] = []
    for name, value in values.items():
        if name in _IGNORED:
            continue
        sf_field = obj.field(name)
        if sf_field is None:
            errors.append(unknown_field_error(obj, name))
        elif not (sf_field.createable if creating else sf_field.updateable):
            errors.append(read_only_error(sf_field.name))
        else:
            try:
                _convert(sf_field, value, result)
            except ValidationError as exc:
                errors.extend(exc.fields)
    if errors:
        raise ValidationError(errors)
    return result


def key_value(sf_field: SfField, value: object) -> str | None:
    """A clean external key value (trimmed text; blank is none)."""
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        raise ValidationError.single(sf_field.name, "INVALID_TYPE", "Must be text")
    text = None if value is None else str(value).strip()
    if text and len(text) > sf_field.length:
        message = f"Must be at most {sf_field.length} characters"
        raise ValidationError.single(sf_field.name, "STRING_TOO_LONG", message)
    return text or None


def _convert(sf_field: SfField, value: object, into: RecordInput) -> None:
    name = sf_field.input
    assert name is not None  # only writable fields get here
    if name in KEY_INPUTS:
        into.keys[name] = key_value(sf_field, value)
    elif name == "who":
        into.data.update(_polymorphic(sf_field, value, _WHO))
    elif name == "what":
        into.data.update(_polymorphic(sf_field, value, _WHAT))
    elif name == "kind":
        into.data["kind"] = _subtype(sf_field, value)
    elif sf_field.type == "reference":
        target = sf_field.reference_to[0]
        into.data[name] = None if value is None else parse_id(value, target, sf_field.name)
    else:
        into.data[name] = value


def _polymorphic(sf_field: SfField, value: object, columns: Mapping[str, str]) -> dict[str, object]:
    """Set the column of the object the id belongs to and clear the others, so that a
    task moves from a lead to a contact (or an account to an opportunity) in one write."""
    chosen: dict[str, object] = dict.fromkeys(columns.values())
    if value is None:
        return chosen
    target = id_object(value) if isinstance(value, str) else None
    if target not in columns:
        raise malformed_id(str(value), sf_field.name, " or ".join(columns))
    assert target is not None
    chosen[columns[target]] = parse_id(value, target, sf_field.name)
    return chosen


def _subtype(sf_field: SfField, value: object) -> str:
    found = _SUBTYPES.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        message = "Must be one of: Task, Call"
        raise ValidationError.single(
            sf_field.name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message
        )
    return found


def salesforce_names(obj: SObject) -> dict[str, str]:
    """Each Opportune input name of ``obj`` and the Salesforce field it belongs to
    (``last_name`` → ``LastName``; on Task ``lead_id`` and ``contact_id`` → ``WhoId``)."""
    names = {f.input: f.name for f in obj.fields if f.input is not None}
    for sf_field in obj.fields:
        if isinstance(sf_field.source, Polymorphic):
            names.update({ref.column: sf_field.name for ref in sf_field.source.options})
    return names


def salesforce_error(obj: SObject, exc: ValidationError) -> ValidationError:
    """``exc`` with its Opportune field names replaced by the Salesforce ones."""
    names = salesforce_names(obj)
    return ValidationError(
        [FieldError(names.get(e.field, e.field), e.code, e.message) for e in exc.fields]
    )
