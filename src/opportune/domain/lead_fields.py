"""Lead input fields: limits, types, and turning raw input into clean values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from opportune.domain.emails import normalize_email
from opportune.domain.picklists import INDUSTRIES, RATINGS, SALUTATIONS, match_choice
from opportune.domain.text import check_no_control_characters
from opportune.errors import FieldError, ValidationError

# Maximum lengths, as in Salesforce where it has one.
TEXT_LIMITS: dict[str, int] = {
    "first_name": 40, "last_name": 80, "company": 255, "title": 128, "email": 80,
    "phone": 40, "mobile_phone": 40, "fax": 40, "website": 255, "street": 255, "city": 40,
    "state": 80, "postal_code": 20, "country": 80, "description": 32000,
}  # fmt: skip
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "salutation": SALUTATIONS, "rating": RATINGS, "industry": INDUSTRIES,
}  # fmt: skip
BOOL_FIELDS = frozenset({"do_not_call", "has_opted_out_of_email"})
REFERENCE_FIELDS = frozenset({"status", "lead_source", "close_reason", "owner_id"})
NUMBER_FIELDS = frozenset({"annual_revenue", "number_of_employees"})
REQUIRED_FIELDS = ("last_name", "company")
CONVERSION_FIELDS = frozenset(
    {"is_converted", "converted_date", "converted_account_id", "converted_contact_id",
     "converted_opportunity_id"}
)  # fmt: skip
SYSTEM_FIELDS = frozenset(
    {"id", "created_at", "created_by_id", "updated_at", "updated_by_id", "is_unread_by_owner",
     "version", "status_id", "source_id", "close_reason_id"}
)  # fmt: skip
EDITABLE_FIELDS = (
    frozenset(TEXT_LIMITS)
    | frozenset(CHOICE_FIELDS)
    | BOOL_FIELDS
    | REFERENCE_FIELDS
    | NUMBER_FIELDS
)
MAX_EMPLOYEES = 2**31 - 1  # the column is a 32-bit integer on every database
MAX_REVENUE = Decimal("1e18")
_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}


def _clean_text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise field_error(name, "INVALID_TYPE", "Must be text")
    check_no_control_characters(name, value)
    cleaned = value.strip()
    if not cleaned:
        return None
    limit = TEXT_LIMITS[name]
    if len(cleaned) > limit:
        raise field_error(name, "STRING_TOO_LONG", f"Must be at most {limit} characters")
    if name == "email":
        return normalize_email(cleaned)
    return cleaned


def _clean_choice(name: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    choices = CHOICE_FIELDS[name]
    found = match_choice(choices, value) if isinstance(value, str) else None
    if found is None:
        raise field_error(
            name, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"Must be one of: {', '.join(choices)}"
        )
    return found


def _clean_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise field_error(name, "INVALID_TYPE", "Must be true or false")


def _clean_number(name: str, value: object) -> Decimal | int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise field_error(name, "INVALID_TYPE", "Must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise field_error(name, "INVALID_TYPE", "Must be a number") from exc
    if not number.is_finite() or number < 0:
        raise field_error(name, "NUMBER_OUTSIDE_VALID_RANGE", "Must be zero or more")
    if name == "number_of_employees":
        if number != number.to_integral_value() or number > MAX_EMPLOYEES:
            raise field_error(name, "INVALID_TYPE", "Must be a whole number of employees")
        return int(number)
    if number >= MAX_REVENUE:
        raise field_error(name, "NUMBER_OUTSIDE_VALID_RANGE", "Is too large")
    return number.quantize(Decimal("0.01"))


def _clean_reference(name: str, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name == "owner_id":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise field_error(name, "INVALID_CROSS_REFERENCE_KEY", "Must be a user id")
        try:
            return int(value)
        except ValueError as exc:
            raise field_error(name, "INVALID_CROSS_REFERENCE_KEY", "Must be a user id") from exc
    if not isinstance(value, str):
        raise field_error(name, "INVALID_TYPE", "Must be a label")
    return value.strip()


def field_error(name: str, code: str, message: str) -> ValidationError:
    return ValidationError.single(name, code, message)


def _clean_one(name: str, value: object) -> object:
    if name in TEXT_LIMITS:
        return _clean_text(name, value)
    if name in CHOICE_FIELDS:
        return _clean_choice(name, value)
    if name in BOOL_FIELDS:
        return _clean_bool(name, value)
    if name in NUMBER_FIELDS:
        return _clean_number(name, value)
    return _clean_reference(name, value)


def _unknownfield_error(name: str) -> FieldError:
    if name in CONVERSION_FIELDS:
        return FieldError(
            name, "INVALID_FIELD_FOR_INSERT_UPDATE", "Only lead conversion can set this field"
        )
    if name in SYSTEM_FIELDS:
        return FieldError(name, "INVALID_FIELD_FOR_INSERT_UPDATE", "This field is read-only")
    return FieldError(name, "INVALID_FIELD", "No such lead field")


def clean_lead_fields(raw: Mapping[str, object], *, creating: bool = False) -> dict[str, object]:
    """Validate and normalise raw lead input; raise one error naming every bad field.

    When ``creating``, required fields that are absent are reported along with the rest.

    Text is trimmed (empty becomes ``None``), lengths and email are checked, picklist
    values are matched case-insensitively, numbers and booleans are parsed.
    """
    cleaned, errors = clean_fields(raw, creating=creating)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_fields(
    raw: Mapping[str, object], *, creating: bool
) -> tuple[dict[str, object], list[FieldError]]:
    """The fields that are valid, cleaned, and an error for each one that is not."""
    cleaned: dict[str, object] = {}
    errors: list[FieldError] = []
    for name, value in raw.items():
        if name not in EDITABLE_FIELDS:
            errors.append(_unknownfield_error(name))
            continue
        try:
            cleaned[name] = _clean_one(name, value)
        except ValidationError as exc:
            errors.extend(exc.fields)
    for name in REQUIRED_FIELDS:
        present = name in raw or creating
        if present and cleaned.get(name) is None and not _has_error(errors, name):
            errors.append(FieldError(name, "REQUIRED_FIELD_MISSING", "Is required"))
    return cleaned, errors


def _has_error(errors: list[FieldError], name: str) -> bool:
    return any(e.field == name for e in errors)
