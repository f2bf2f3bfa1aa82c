"""Lead input fields: limits, types, and turning raw input into clean values.

The fields are declared once, as a :class:`~opportune.domain.fields.RecordSpec`; the
constants below are views of it for the interfaces (form limits, schema choices).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from opportune.domain import fields as engine
from opportune.domain.fields import (
    MAX_INT,
    STAMP_FIELDS,
    Kind,
    ReadOnly,
    RecordSpec,
    address,
    choice,
    decimal,
    email,
    flag,
    integer,
    label,
    ref,
    text,
)
from opportune.domain.picklists import INDUSTRIES, RATINGS, SALUTATIONS
from opportune.errors import FieldError, ValidationError

MAX_EMPLOYEES = MAX_INT  # the column is a 32-bit integer on every database
MAX_REVENUE = Decimal("1e18")
CONVERSION_FIELDS = frozenset(
    {"is_converted", "converted_date", "converted_account_id", "converted_contact_id",
     "converted_opportunity_id"}
)  # fmt: skip
SYSTEM_FIELDS = STAMP_FIELDS | {
    "is_unread_by_owner", "status_id", "source_id", "close_reason_id", "queue_id", "merged_into_id"
}  # fmt: skip

LEAD = RecordSpec(
    noun="lead",
    fields=(
        choice("salutation", SALUTATIONS),
        text("first_name", 40),
        text("last_name", 80, required=True),
        text("company", 255, required=True),
        text("title", 128),
        email("email", 80),
        text("phone", 40),
        text("mobile_phone", 40),
        text("fax", 40),
        text("website", 255),
        *address(),
        text("description", 32000),
        text("campaign", 80),
        label("status"),
        label("lead_source"),
        label("close_reason"),
        choice("rating", RATINGS),
        choice("industry", INDUSTRIES),
        decimal("annual_revenue", below=MAX_REVENUE),
        integer("number_of_employees", what="employees"),
        # Unbounded here: the service reports an id that is no active user.
        ref("owner_id", "user", maximum=None),
        flag("do_not_call"),
        flag("has_opted_out_of_email"),
    ),
    read_only=(
        ReadOnly(CONVERSION_FIELDS, "Only lead conversion can set this field"),
        ReadOnly(SYSTEM_FIELDS),
    ),
)

# Maximum lengths, as in Salesforce where it has one.
TEXT_LIMITS: dict[str, int] = LEAD.text_limits()
CHOICE_FIELDS: dict[str, tuple[str, ...]] = LEAD.choice_lists()
BOOL_FIELDS = LEAD.names_of(Kind.BOOLEAN)
REFERENCE_FIELDS = LEAD.names_of(Kind.LABEL, Kind.ID)
NUMBER_FIELDS = LEAD.names_of(Kind.DECIMAL, Kind.INTEGER)
REQUIRED_FIELDS = LEAD.required
EDITABLE_FIELDS = LEAD.names


def field_error(name: str, code: str, message: str) -> ValidationError:
    """A validation error about one lead field."""
    return ValidationError.single(name, code, message)


def clean_lead_fields(raw: Mapping[str, object], *, creating: bool = False) -> dict[str, object]:
    """Validate and normalise raw lead input; raise one error naming every bad field.

    When ``creating``, required fields that are absent are reported along with the rest.

    Text is trimmed (empty becomes ``None``), lengths and email are checked, picklist
    values are matched case-insensitively, numbers and booleans are parsed.
    """
    return engine.clean(LEAD, raw, creating=creating)


def clean_fields(
    raw: Mapping[str, object], *, creating: bool
) -> tuple[dict[str, object], list[FieldError]]:
    """The fields that are valid, cleaned, and an error for each one that is not."""
    return engine.clean_fields(LEAD, raw, creating=creating)
