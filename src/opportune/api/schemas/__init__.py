"""Request and response bodies of the REST API.

Requests refuse unknown fields (``extra="forbid"``) so a typo is an error naming the field,
never silently ignored. Field *types* are checked here; business rules (lengths, email,
picklist labels, required status, close reason) stay in the domain, so the API, the web UI
and the CLI give the same answer to the same input. Lengths are still documented in the
OpenAPI schema (``maxLength``) from the domain's own limits.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from opportune.domain.lead_fields import (
    CHOICE_FIELDS,
    CONVERSION_FIELDS,
    MAX_EMPLOYEES,
    SYSTEM_FIELDS,
    TEXT_LIMITS,
)
from opportune.domain.picklists import LABEL_MAX, LeadStatus, PicklistValue
from opportune.domain.users import Role, User
from opportune.services.auth import IssuedToken
from opportune.services.filters import DEFAULT_SORT, LeadFilters

# Ids are 32-bit integers in the database; larger ones cannot exist.
MAX_ID = 2**31 - 1
READ_ONLY_CODE = "INVALID_FIELD_FOR_INSERT_UPDATE"


# --- errors -------------------------------------------------------------------------------


class FieldErrorOut(BaseModel):
    """One problem with one input field."""

    field: str = Field(examples=["email"])
    code: str = Field(examples=["INVALID_EMAIL_ADDRESS"])
    message: str = Field(examples=["Invalid email: there must be something after the @-sign."])


class ErrorOut(BaseModel):
    """Every error response: a stable machine code, a message, and the fields at fault."""

    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str
    fields: list[FieldErrorOut] = Field(default_factory=list)


ERROR_DESCRIPTIONS = {
    400: "The body could not be read",
    401: "Missing, invalid or expired token or session, or an inactive user",
    403: "Signed in but not allowed (not an administrator, or a missing CSRF token)",
    404: "No such record",
    409: "The record changed since you read it (STALE_RECORD), cannot be changed, or a blocking "
    "duplicate rule matched (DUPLICATES_DETECTED)",
    422: "Invalid input; `fields` names each field at fault",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` documenting these error statuses with :class:`ErrorOut`."""
    return {s: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[s]} for s in statuses}


# --- requests -----------------------------------------------------------------------------


class RequestModel(BaseModel):
    """A request body: unknown fields are refused; read-only ones get a code of their own."""

    model_config = ConfigDict(extra="forbid")

    # Field name -> why it cannot be set; sending one gives INVALID_FIELD_FOR_INSERT_UPDATE.
    read_only: ClassVar[dict[str, str]] = {}

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_read_only(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if not any(_is_read_only(cls.read_only, e["type"], e["loc"]) for e in errors):
                raise
            details = [_read_only_error(cls.read_only, e) for e in errors]
            raise ValidationError.from_exception_data(exc.title, details) from None

    @model_validator(mode="before")
    @classmethod
    def _refuse_numeric_days(cls, data: Any) -> Any:
        # Pydantic would read a number as a Unix timestamp: `close_to=20260531` or
        # `"close_date": 1780000000` is not a day in 1970 but a mistake to name.
        if not isinstance(data, dict):
            return data
        errors = [
            InitErrorDetails(
                type=PydanticCustomError("date_parsing", DAY_MESSAGE), loc=(name,), input=data[name]
            )
            for name in _day_fields(cls)
            if name in data and _is_number(data[name])
        ]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return data


DAY_MESSAGE = "Must be a day as YYYY-MM-DD (or a time as YYYY-MM-DDTHH:MM:SS), not a number"
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _day_fields(model: type[BaseModel]) -> list[str]:
    """The fields of ``model`` that hold a day or a time (alone, optional, or in a list)."""
    return [
        name
        for name, info in model.model_fields.items()
        if any(t in (date, datetime) for t in (info.annotation, *get_args(info.annotation)))
    ]


def _is_number(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_number(v) for v in value)
    if isinstance(value, str):
        return _NUMBER.fullmatch(value) is not None
    return isinstance(value, int | float)


def _is_read_only(read_only: dict[str, str], error_type: str, loc: tuple[Any, ...]) -> bool:
    return error_type == "extra_forbidden" and bool(loc) and loc[-1] in read_only


def _read_only_error(read_only: dict[str, str], error: Any) -> InitErrorDetails:
    if not _is_read_only(read_only, error["type"], error["loc"]):
        return error  # type: ignore[no-any-return]
    reason = read_only[error["loc"][-1]]
    return InitErrorDetails(
        type=PydanticCustomError(READ_ONLY_CODE, reason), loc=error["loc"], input=error["input"]
    )


def _text(name: str, description: str | None = None) -> Any:
    return Field(
        default=None, description=description, json_schema_extra={"maxLength": TEXT_LIMITS[name]}
    )


def _choice(name: str) -> Any:
    choices = CHOICE_FIELDS[name]
    return Field(default=None, description=f"One of (any case): {', '.join(choices)}")


_LEAD_READ_ONLY = dict.fromkeys(
    CONVERSION_FIELDS, "Only lead conversion can set this field"
) | dict.fromkeys(SYSTEM_FIELDS | {"name", "owner_name"}, "This field is read-only")


class LeadUpdate(RequestModel):
    """Changes to a lead: send only the fields to change; ``null`` clears a field."""

    read_only: ClassVar[dict[str, str]] = _LEAD_READ_ONLY

    salutation: str | None = _choice("salutation")
    first_name: str | None = _text("first_name")
    last_name: str | None = _text("last_name", "Required; cannot be cleared")
    title: str | None = _text("title")
    company: str | None = _text("company", "Required; cannot be cleared")
    email: str | None = _text("email", "A valid email address")
    phone: str | None = _text("phone")
    mobile_phone: str | None = _text("mobile_phone")
    fax: str | None = _text("fax")
    website: str | None = _text("website")
    street: str | None = _text("street")
    city: str | None = _text("city")
    state: str | None = _text("state")
    postal_code: str | None = _text("postal_code")
    country: str | None = _text("country")
    description: str | None = _text("description")
    campaign: str | None = _text("campaign", "A campaign or tag the lead came with")
    status: str | None = Field(
        default=None,
        description="A lead status label (any case); converted statuses are set only by conversion",
    )
    lead_source: str | None = Field(default=None, description="A lead source label (any case)")
    close_reason: str | None = Field(
        default=None,
        description="A close reason label; required with a closed, not converted status",
    )
    rating: str | None = _choice("rating")
    industry: str | None = _choice("industry")
    annual_revenue: Decimal | None = Field(
        default=None, description="A number or a decimal string, zero or more, two decimals kept"
    )
    number_of_employees: StrictInt | None = Field(default=None, ge=0, le=MAX_EMPLOYEES)
    owner_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID, description="A user id")
    do_not_call: StrictBool | None = None
    has_opted_out_of_email: StrictBool | None = None


class LeadCreate(LeadUpdate):
    """A new lead: last name and company are required; status defaults to the default one,
    owner to the caller."""

    # Presence is checked by the domain, not here, so that a missing last name or company is
    # reported together with every other problem of the same request; the schema still
    # documents both as required.
    model_config = ConfigDict(json_schema_extra={"required": ["last_name", "company"]})


class LeadListParams(RequestModel):
    """Query parameters of the lead list; repeat a parameter (or use commas) for several values."""

    status: list[str] = Field(default_factory=list, description="Status labels")
    lead_source: list[str] = Field(default_factory=list, description="Lead source labels")
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    rating: list[str] = Field(default_factory=list, description="Hot, Warm or Cold")
    created_from: date | None = Field(default=None, description="Created on or after this day")
    created_to: date | None = Field(default=None, description="Created on or before this day")
    q: str | None = Field(default=None, description="Search in name, company and email")
    include_converted: bool = Field(default=False, description="Also list converted leads")
    converted_only: bool = Field(
        default=False, description="Only converted leads (whatever `include_converted` says)"
    )
    untouched_days: int | None = Field(
        default=None,
        description="Only leads, open or not, last touched (updated, or an activity logged) "
        "before the start of the UTC day this many days ago: 1 to 36500",
    )
    unread: bool = Field(default=False, description="Only leads unread by their owner")
    queue: str | None = Field(
        default=None, description="Leads in a queue: its id or name, or `mine` (my queues)"
    )
    sort: str = Field(
        default=DEFAULT_SORT,
        description="A field, `-` first for descending: created_at, updated_at, last_name, "
        "first_name, company, email, city, rating",
    )
    cursor: str | None = Field(default=None, description="`next_cursor` or `prev_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")
    with_total: bool = Field(default=False, description="Count all matching leads too")

    def to_filters(self, default_limit: int) -> LeadFilters:
        """The shared lead filters for these parameters."""
        values = self.model_dump()
        values["limit"] = self.limit if self.limit is not None else default_limit
        return LeadFilters(**values)


class PicklistValueUpdate(RequestModel):
    """Changes to a lead source or close reason. Values in use are deactivated, not deleted."""

    label: str | None = Field(default=None, json_schema_extra={"maxLength": LABEL_MAX})
    sort_order: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    is_active: StrictBool | None = None


class PicklistValueCreate(PicklistValueUpdate):
    """A new lead source or close reason; without ``sort_order`` it goes last."""

    label: str = Field(json_schema_extra={"maxLength": LABEL_MAX})


class LeadStatusUpdate(PicklistValueUpdate):
    """Changes to a lead status. Exactly one status is the default; making this one the
    default clears the flag on the others."""

    is_default: StrictBool | None = None
    is_converted: StrictBool | None = Field(default=None, description="Set only by conversion")
    is_closed: StrictBool | None = Field(
        default=None, description="Closed and not converted: needs a close reason"
    )


class LeadStatusCreate(LeadStatusUpdate):
    """A new lead status; without ``sort_order`` it goes last."""

    label: str = Field(json_schema_extra={"maxLength": LABEL_MAX})


class UserUpdate(RequestModel):
    """Changes to a user. The last active administrator cannot be demoted or deactivated."""

    read_only: ClassVar[dict[str, str]] = dict.fromkeys(
        ("id", "created_at", "password_hash"), "This field is read-only"
    )

    name: str | None = None
    email: str | None = None
    role: Role | None = None
    password: str | None = Field(default=None, description="At least 12 characters")
    is_active: StrictBool | None = None
    manager_id: StrictInt | None = Field(
        default=None,
        description="The user's manager (null for none); managers see and edit "
        "what their reports own",
    )


class UserCreate(UserUpdate):
    """A new user."""

    name: str
    email: str
    role: Role
    password: str = Field(description="At least 12 characters")


class TokenCreate(RequestModel):
    """A new personal API token."""

    name: str = Field(description="What the token is for, 1 to 120 characters")
    expires_in_days: StrictInt | None = Field(
        default=None, description="1 to 3650; without it the token never expires"
    )
    scopes: list[str] | None = Field(
        default=None,
        description="Any of read, write, admin (admin only for administrators); "
        "default read and write. Read allows GET; write every other method; admin the "
        "administration endpoints",
    )


class SignOutEverywhere(RequestModel):
    """Options of "sign out everywhere"."""

    revoke_tokens: bool = Field(
        default=False, description="Also revoke every API token (scripts, integrations)"
    )


class SignedOutOut(BaseModel):
    """What "sign out everywhere" did."""

    user_id: int
    tokens_revoked: int


# --- responses ----------------------------------------------------------------------------


class LeadOut(BaseModel):
    """A lead as every interface shows it: labels instead of ids, the owner named."""

    id: int
    name: str = Field(description="First and last name")
    salutation: str | None
    first_name: str | None
    last_name: str
    title: str | None
    company: str
    email: str | None
    phone: str | None
    mobile_phone: str | None
    fax: str | None
    website: str | None
    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    description: str | None
    status: str
    lead_source: str | None
    close_reason: str | None
    rating: str | None
    industry: str | None
    annual_revenue: str | None = Field(description="A decimal string", examples=["250000.00"])
    number_of_employees: int | None
    owner_id: int
    owner_name: str | None
    is_unread_by_owner: bool
    do_not_call: bool
    has_opted_out_of_email: bool
    is_converted: bool
    converted_date: date | None
    converted_account_id: int | None
    converted_contact_id: int | None
    converted_opportunity_id: int | None
    campaign: str | None
    queue_id: int | None = Field(description="The queue holding the lead, if any")
    queue_name: str | None = Field(default=None, description="That queue's name")
    merged_into_id: int | None = Field(description="Set on a lead merged into another")
    created_at: datetime
    created_by_id: int
    updated_at: datetime
    updated_by_id: int
    version: int = Field(description="Send it back as `If-Match` to refuse lost updates")


class LeadPageOut(BaseModel):
    """One page of leads. Follow the cursors to move; ``total`` only with ``with_total``."""

    items: list[LeadOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None


class LeadStatusOut(BaseModel):
    """A lead status."""

    id: int
    label: str
    sort_order: int
    is_default: bool
    is_converted: bool
    is_closed: bool
    is_active: bool

    @classmethod
    def of(cls, status: LeadStatus) -> LeadStatusOut:
        """The response for a status."""
        return cls(
            id=status.id, label=status.label, sort_order=status.sort_order,
            is_default=status.is_default, is_converted=status.is_converted,
            is_closed=status.is_closed, is_active=status.is_active,
        )  # fmt: skip


class PicklistValueOut(BaseModel):
    """A lead source or close reason."""

    id: int
    label: str
    sort_order: int
    is_active: bool

    @classmethod
    def of(cls, value: PicklistValue) -> PicklistValueOut:
        """The response for a value."""
        return cls(
            id=value.id, label=value.label, sort_order=value.sort_order, is_active=value.is_active
        )


class UserOut(BaseModel):
    """A user (never with the password hash)."""

    id: int
    name: str
    email: str
    role: Role
    is_active: bool
    created_at: datetime | None
    manager_id: int | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        """The response for a user."""
        assert user.id is not None
        return cls(
            id=user.id, name=user.name, email=user.email, role=user.role,
            is_active=user.is_active, created_at=user.created_at, manager_id=user.manager_id,
        )  # fmt: skip


class TokenOut(BaseModel):
    """A personal API token, without its secret: only its first characters, to recognise it."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    scopes: list[str]


class IssuedTokenOut(BaseModel):
    """A new token. ``token`` is shown this once and cannot be read again; keep it safe."""

    id: int
    name: str
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    expires_at: datetime | None
    scopes: list[str]

    @classmethod
    def of(cls, issued: IssuedToken) -> IssuedTokenOut:
        """The response for a newly issued token."""
        return cls(
            id=issued.id, name=issued.name, token=issued.token, expires_at=issued.expires_at,
            scopes=list(issued.scopes),
        )  # fmt: skip
