"""Cleaning raw input against a :class:`~opportune.domain.fields.spec.RecordSpec`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from opportune.domain.emails import normalize_email
from opportune.domain.fields.spec import MAX_INT, FieldSpec, Kind, RecordSpec
from opportune.domain.picklists import PicklistValue, find_by_label, match_choice
from opportune.domain.text import check_no_control_characters, find_control_character
from opportune.errors import FieldError, ValidationError

_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off", ""})
# ASCII digits only: date.fromisoformat also takes week dates and compact forms nobody means.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def clean(spec: RecordSpec, raw: Mapping[str, object], *, creating: bool) -> dict[str, object]:
    """Clean raw input; raise one :class:`ValidationError` naming every bad field."""
    cleaned, errors = clean_fields(spec, raw, creating=creating)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_fields(
    spec: RecordSpec, raw: Mapping[str, object], *, creating: bool
) -> tuple[dict[str, object], list[FieldError]]:
    """The fields that are valid, cleaned, and an error for each one that is not.

    Required fields are checked when given (an update may not clear them) and, when
    ``creating``, also when absent. A field with an error of its own gets no second one.
    """
    cleaned: dict[str, object] = {}
    errors: list[FieldError] = []
    for name, value in raw.items():
        field_spec = spec.get(name)
        if field_spec is None:
            errors.append(spec.unknown_field_error(name))
            continue
        try:
            cleaned[name] = clean_value(field_spec, value)
        except ValidationError as exc:
            errors.extend(exc.fields)
    for name in spec.required:
        present = name in raw or creating
        if present and cleaned.get(name) is None and not has_error(errors, name):
            errors.append(FieldError(name, "REQUIRED_FIELD_MISSING", "Is required"))
    return cleaned, errors


def has_error(errors: Sequence[FieldError], name: str) -> bool:
    """True when ``errors`` already names field ``name``."""
    return any(e.field == name for e in errors)


def clean_value(spec: FieldSpec, value: object) -> object:
    """Clean one raw value for ``spec``; raise a :class:`ValidationError` naming it."""
    return _CLEANERS[spec.kind](spec, value)


def _fail(spec: FieldSpec, code: str, message: str) -> ValidationError:
    return ValidationError.single(spec.name, code, message)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_text(spec: FieldSpec, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(spec, "INVALID_TYPE", "Must be text")
    if find_control_character(value) is not None:
        check_no_control_characters(spec.name, value)  # raises, naming the field
    cleaned = value.strip()
    if not cleaned:
        return None
    if spec.max_length is not None and len(cleaned) > spec.max_length:
        raise _fail(spec, "STRING_TOO_LONG", f"Must be at most {spec.max_length} characters")
    if spec.kind is Kind.EMAIL:
        return normalize_email(cleaned, spec.name)
    return cleaned


def _clean_choice(spec: FieldSpec, value: object) -> str | None:
    if _blank(value):
        return None
    found = match_choice(spec.choices, value) if isinstance(value, str) else None
    if found is None:
        raise _fail(
            spec,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"Must be one of: {', '.join(spec.choices)}",
        )
    return found


def _clean_bool(spec: FieldSpec, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _fail(spec, "INVALID_TYPE", "Must be true or false")


def _parse_number(spec: FieldSpec, value: object) -> Decimal | None:
    if _blank(value):
        return None
    # bool is an int to Python, but "true" employees is a mistake, not a count of one.
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _fail(spec, "INVALID_TYPE", "Must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise _fail(spec, "INVALID_TYPE", "Must be a number") from exc
    if not number.is_finite() or number < 0:
        raise _fail(spec, "NUMBER_OUTSIDE_VALID_RANGE", "Must be zero or more")
    return number


def _clean_decimal(spec: FieldSpec, value: object) -> Decimal | None:
    number = _parse_number(spec, value)
    if number is None:
        return None
    if spec.below is not None and number >= spec.below:
        raise _fail(spec, "NUMBER_OUTSIDE_VALID_RANGE", "Is too large")
    return number.quantize(Decimal(1).scaleb(-spec.places))


def _clean_integer(spec: FieldSpec, value: object) -> int | None:
    number = _parse_number(spec, value)
    if number is None:
        return None
    # Beyond the column's width is a type problem (it cannot be stored), like a fraction.
    if number != number.to_integral_value() or number > MAX_INT:
        counted = f" of {spec.what}" if spec.what else ""
        raise _fail(spec, "INVALID_TYPE", f"Must be a whole number{counted}")
    if spec.maximum is not None and number > spec.maximum:
        raise _fail(spec, "NUMBER_OUTSIDE_VALID_RANGE", f"Must be at most {spec.maximum}")
    return int(number)


def _clean_date(spec: FieldSpec, value: object) -> date | None:
    if _blank(value):
        return None
    # A datetime is a date to Python, but which day it falls on depends on a time zone.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:  # shaped like a date but no such day (2026-02-30): refused below
            pass
    raise _fail(spec, "INVALID_TYPE", "Must be a date (YYYY-MM-DD)")


def _clean_datetime(spec: FieldSpec, value: object) -> datetime | None:
    if _blank(value):
        return None
    try:
        if isinstance(value, datetime):
            found = value
        elif isinstance(value, str) and value.strip().isascii():
            found = datetime.fromisoformat(value.strip())
        else:
            raise ValueError(value)
        if found.tzinfo is None:
            found = found.replace(tzinfo=UTC)
        return found.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise _fail(spec, "INVALID_TYPE", "Must be a date and time (ISO 8601)") from exc


def _clean_id(spec: FieldSpec, value: object) -> int | None:
    if _blank(value):
        return None
    article = "an" if spec.what[:1] in ("a", "e", "i", "o") else "a"  # "a user id"
    message = f"Must be {article} {spec.what} id"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _fail(spec, "INVALID_CROSS_REFERENCE_KEY", message)
    try:
        number = int(value)
    except ValueError as exc:
        raise _fail(spec, "INVALID_CROSS_REFERENCE_KEY", message) from exc
    if spec.maximum is not None and not 1 <= number <= spec.maximum:
        raise _fail(spec, "INVALID_CROSS_REFERENCE_KEY", message)
    return number


def _clean_label(spec: FieldSpec, value: object) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise _fail(spec, "INVALID_TYPE", "Must be a label")
    return value.strip()


_CLEANERS: dict[Kind, Callable[[FieldSpec, object], object]] = {
    Kind.TEXT: _clean_text,
    Kind.EMAIL: _clean_text,
    Kind.CHOICE: _clean_choice,
    Kind.BOOLEAN: _clean_bool,
    Kind.DECIMAL: _clean_decimal,
    Kind.INTEGER: _clean_integer,
    Kind.DATE: _clean_date,
    Kind.DATETIME: _clean_datetime,
    Kind.ID: _clean_id,
    Kind.LABEL: _clean_label,
}


# --- labels of configurable lists ---------------------------------------------------------


def resolve_label(name: str, value: object, values: Sequence[PicklistValue]) -> int | None:
    """The id of the active value labelled ``value`` (any case); raise naming ``name``."""
    if value is None:
        return None
    found = find_by_label(values, str(value))
    if found is None or not found.is_active:
        choices = ", ".join(v.label for v in values if v.is_active)
        raise ValidationError.single(
            name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {choices}"
        )
    return found.id


def resolve_labels(
    cleaned: Mapping[str, object],
    lists: Mapping[str, tuple[str, Sequence[PicklistValue]]],
    errors: list[FieldError],
) -> dict[str, object]:
    """Replace each label input by its value's id in its column, adding to ``errors``.

    ``lists`` maps an input name to its column and the values it may take, for example
    ``{"lead_source": ("source_id", sources)}``.
    """
    values = dict(cleaned)
    for name, (column, choices) in lists.items():
        if name not in values:
            continue
        try:
            values[column] = resolve_label(name, values.pop(name), choices)
        except ValidationError as exc:
            errors.extend(exc.fields)
    return values
