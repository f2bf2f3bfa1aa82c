"""Validating an assignment rule definition as an admin gives it (API body, JSON file, form).

Every problem is reported at once, each naming its place, e.g.
``entries[2].criteria[0].operator``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from opportune.domain.assignment import (
    ASSIGNEE_TYPES,
    BLANK_OPERATORS,
    CRITERIA_FIELDS,
    FIXED_CHOICES,
    NUMBER_FIELDS,
    NUMBER_OPERATORS,
    TEXT_OPERATORS,
    Assignee,
    Criterion,
    RuleDefinition,
    RuleEntry,
)
from opportune.errors import FieldError, ValidationError

NAME_MAX = 120
MAX_ENTRIES = 200
MAX_CRITERIA = 20
VALUE_MAX = 255


def parse_rule(
    raw: Mapping[str, object], *, picklist_labels: Mapping[str, Sequence[str]] | None = None
) -> RuleDefinition:
    """Validate a rule definition; raise one :class:`ValidationError` naming every bad part.

    ``raw`` has ``name``, ``entries`` (a list of ``{"criteria": [...], "assignee_type",
    "user_id" | "queue_id" | "group_id"}``), ``default_owner_id`` and ``default_queue_id``.
    Errors name their place, e.g. ``entries[2].criteria[0].operator``.
    ``picklist_labels`` gives the configured labels of ``lead_source`` and ``status``.
    """
    errors: list[FieldError] = []
    labels = {**FIXED_CHOICES, **(picklist_labels or {})}
    name = _name(raw.get("name"), errors)
    for key in raw:
        if key not in ("name", "entries", "default_owner_id", "default_queue_id"):
            errors.append(FieldError(key, "INVALID_FIELD", "No such rule field"))
    default_owner = _optional_id("default_owner_id", raw.get("default_owner_id"), errors)
    default_queue = _optional_id("default_queue_id", raw.get("default_queue_id"), errors)
    if default_owner is not None and default_queue is not None:
        errors.append(
            FieldError("default_queue_id", "INVALID_COMBINATION",
                       "Give a default owner or a default queue, not both")
        )  # fmt: skip
    entries = _entries(raw.get("entries", []), labels, errors)
    if errors:
        raise ValidationError(errors)
    return RuleDefinition(name, entries, default_owner, default_queue)


def _name(value: object, errors: list[FieldError]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.append(FieldError("name", "REQUIRED_FIELD_MISSING", "Give the rule a name"))
        return ""
    name = value.strip()
    if len(name) > NAME_MAX:
        errors.append(FieldError("name", "STRING_TOO_LONG", f"At most {NAME_MAX} characters"))
    return name


def _optional_id(where: str, value: object, errors: list[FieldError]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.append(FieldError(where, "INVALID_ID", "Must be a positive whole number (an id)"))
        return None
    return value


def _entries(
    raw: object, labels: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> tuple[RuleEntry, ...]:
    if not isinstance(raw, list):
        errors.append(FieldError("entries", "INVALID_TYPE", "Must be a list of entries"))
        return ()
    if len(raw) > MAX_ENTRIES:
        errors.append(FieldError("entries", "TOO_MANY", f"At most {MAX_ENTRIES} entries"))
        return ()
    return tuple(_entry(f"entries[{i}]", item, i + 1, labels, errors) for i, item in enumerate(raw))


def _entry(
    where: str,
    raw: object,
    position: int,
    labels: Mapping[str, Sequence[str]],
    errors: list[FieldError],
) -> RuleEntry:
    if not isinstance(raw, Mapping):
        errors.append(FieldError(where, "INVALID_TYPE", "Must be an object"))
        return RuleEntry((), Assignee("user"), position)
    for key in raw:
        if key not in ("criteria", "assignee_type", "user_id", "queue_id", "group_id", "id"):
            errors.append(FieldError(f"{where}.{key}", "INVALID_FIELD", "No such entry field"))
    criteria = _criteria(where, raw.get("criteria", []), labels, errors)
    return RuleEntry(criteria, _assignee(where, raw, errors), position)


def _assignee(where: str, raw: Mapping[str, object], errors: list[FieldError]) -> Assignee:
    kind = raw.get("assignee_type")
    if kind not in ASSIGNEE_TYPES:
        errors.append(
            FieldError(f"{where}.assignee_type", "INVALID_CHOICE",
                       f"Must be one of: {', '.join(ASSIGNEE_TYPES)}")
        )  # fmt: skip
        return Assignee("user")
    key = {"user": "user_id", "queue": "queue_id", "round_robin": "group_id"}[str(kind)]
    ident = _optional_id(f"{where}.{key}", raw.get(key), errors)
    if ident is None and not any(e.field == f"{where}.{key}" for e in errors):
        errors.append(
            FieldError(f"{where}.{key}", "REQUIRED_FIELD_MISSING", f"Give the {key} to assign to")
        )
    return Assignee(str(kind), **{key: ident})


def _criteria(
    where: str, raw: object, labels: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> tuple[Criterion, ...]:
    if not isinstance(raw, list):
        errors.append(FieldError(f"{where}.criteria", "INVALID_TYPE", "Must be a list"))
        return ()
    if len(raw) > MAX_CRITERIA:
        errors.append(
            FieldError(f"{where}.criteria", "TOO_MANY", f"At most {MAX_CRITERIA} criteria")
        )
        return ()
    found = (_criterion(f"{where}.criteria[{i}]", c, labels, errors) for i, c in enumerate(raw))
    return tuple(c for c in found if c is not None)


def _criterion(
    where: str, raw: object, labels: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> Criterion | None:
    if not isinstance(raw, Mapping):
        errors.append(FieldError(where, "INVALID_TYPE", "Must be an object"))
        return None
    name, operator = raw.get("field"), raw.get("operator")
    if name not in CRITERIA_FIELDS:
        errors.append(FieldError(f"{where}.field", "INVALID_FIELD", "Not a lead field rules use"))
        return None
    allowed = _operators_for(str(name))
    if operator not in allowed:
        errors.append(
            FieldError(f"{where}.operator", "INVALID_OPERATOR",
                       f"For {name} use one of: {', '.join(allowed)}")
        )  # fmt: skip
        return None
    value = _value(f"{where}.value", str(name), str(operator), raw.get("value"), labels, errors)
    return Criterion(str(name), str(operator), value)


def _operators_for(name: str) -> tuple[str, ...]:
    if name in NUMBER_FIELDS:
        return NUMBER_OPERATORS + BLANK_OPERATORS
    return TEXT_OPERATORS + BLANK_OPERATORS


def _value(
    where: str,
    name: str,
    operator: str,
    raw: object,
    labels: Mapping[str, Sequence[str]],
    errors: list[FieldError],
) -> object:
    """The criterion's value in its stored form, or None after adding an error."""
    try:
        if operator in BLANK_OPERATORS:
            return None
        if name in NUMBER_FIELDS:
            return _number_value(operator, raw)
        if operator in ("in", "not_in"):
            return [_label(name, v, labels) for v in _list_of(raw)]
        return _label(name, _text(raw), labels)
    except ValueError as exc:
        errors.append(FieldError(where, "INVALID_VALUE", str(exc)))
        return None


def _number_value(operator: str, raw: object) -> object:
    if operator == "between":
        values = _list_of(raw)
        if len(values) != 2:
            raise ValueError("Give two numbers: the lowest and the highest")
        low, high = (_number(v) for v in values)
        if low > high:
            raise ValueError("The first number must not be above the second")
        return [_plain(low), _plain(high)]
    return _plain(_number(raw))


def _number(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise ValueError("Must be a number")
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("Must be a number") from None
    if not number.is_finite():
        raise ValueError("Must be a number")
    return number


def _plain(number: Decimal) -> int | float:
    """Numbers are stored in JSON: whole numbers as ints, others as floats."""
    return int(number) if number == number.to_integral_value() else float(number)


def _list_of(raw: object) -> list[object]:
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not raw:
        raise ValueError("Give a list of values (or values separated by commas)")
    return raw


def _text(raw: object) -> str:
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("Give a value")
    if len(raw) > VALUE_MAX:
        raise ValueError(f"At most {VALUE_MAX} characters")
    return raw.strip()


def _label(name: str, raw: object, labels: Mapping[str, Sequence[str]]) -> str:
    """A text value; for a picklist, the choice it names (matched case-insensitively)."""
    text = _text(raw)
    choices = labels.get(name)
    if choices is None:
        return text
    found = next((c for c in choices if c.casefold() == text.casefold()), None)
    if found is None:
        raise ValueError(f"'{text}' is not a {name} value")
    return found
