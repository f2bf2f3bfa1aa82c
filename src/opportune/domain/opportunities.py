"""The opportunity: the record, its stage moves, expected revenue and contact roles.

Input arrives raw (as the API, the web UI and the CLI receive it) and is cleaned by the
shared field engine (:mod:`opportune.domain.fields`): every bad field is named in one
:class:`ValidationError`. Stage, lead source and lost reason are given as labels and
stored as ids. Closed and won follow from the stage and cannot be set directly.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from opportune.domain.fields import (
    STAMP_FIELDS,
    ReadOnly,
    RecordSpec,
    choice,
    clean,
    clean_fields,
    day,
    decimal,
    finish_update,
    flag,
    has_error,
    integer,
    label,
    ref,
    stamp_new,
    text,
)
from opportune.domain.picklists import PicklistValue, find_by_label
from opportune.domain.stages import FORECAST_CATEGORIES, Stage, first_open_stage, stage_by_id
from opportune.errors import FieldError, ValidationError

__all__ = [
    "CONTACT_ROLE",
    "CONTACT_ROLES",
    "OPPORTUNITY",
    "OPPORTUNITY_TYPES",
    "ContactRole",
    "Opportunity",
    "check_contact_account",
    "check_contact_roles",
    "check_currency_code",
    "expected_revenue",
    "is_reopened",
    "new_contact_role",
    "new_opportunity",
    "update_opportunity",
]

OPPORTUNITY_TYPES = ("New Business", "Existing Business")
CONTACT_ROLES = (
    "Decision Maker", "Economic Buyer", "Evaluator", "Influencer", "Technical Buyer",
    "Business User", "Other",
)  # fmt: skip
DERIVED_FIELDS = frozenset({"is_closed", "is_won", "expected_revenue"})
LABEL_COLUMNS = {
    "stage": "stage_id",
    "lead_source": "lead_source_id",
    "lost_reason": "lost_reason_id",
}

OPPORTUNITY = RecordSpec(
    noun="opportunity",
    fields=(
        text("name", 120, required=True),
        ref("account_id", "account", required=True),
        label("stage"),
        day("close_date", required=True),
        decimal("amount"),
        integer("probability", what="percent", maximum=100),
        choice("forecast_category", FORECAST_CATEGORIES),
        choice("type", OPPORTUNITY_TYPES),
        text("next_step", 255),
        label("lead_source"),
        text("description", 32000),
        ref("owner_id", "user"),
        label("lost_reason"),
    ),
    read_only=(
        ReadOnly(STAMP_FIELDS),
        ReadOnly(DERIVED_FIELDS, "Follows from the stage; it cannot be set directly"),
        ReadOnly(
            frozenset(LABEL_COLUMNS.values()),
            "Set it by its label: stage, lead_source, lost_reason",
        ),
    ),
)
# Required on create (or defaulted), and never cleared by an update.
NOT_NULL = ("name", "account_id", "close_date", "stage", "owner_id")
_OVERRIDABLE = ("probability", "forecast_category")  # stage defaults the input may override
_CURRENCY = re.compile(r"[A-Z]{3}")
_CENT = Decimal("0.01")
_RESTRICTED = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


@dataclass(slots=True)
class Opportunity:
    """A potential sale to an account, moving through the stages of the pipeline.

    ``probability``, ``forecast_category``, ``is_closed`` and ``is_won`` come from the
    stage; the first two may be overridden, the last two never set directly.
    """

    name: str
    account_id: int
    stage_id: int
    close_date: date
    owner_id: int
    currency_code: str
    probability: int = 0
    forecast_category: str = "Pipeline"
    is_closed: bool = False
    is_won: bool = False
    id: int | None = None
    amount: Decimal | None = None
    type: str | None = None
    next_step: str | None = None
    lead_source_id: int | None = None
    description: str | None = None
    lost_reason_id: int | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    updated_at: datetime | None = None
    updated_by_id: int | None = None
    version: int = 1

    @property
    def expected_revenue(self) -> Decimal | None:
        """Amount * probability / 100 in cents (see :func:`expected_revenue`)."""
        return expected_revenue(self)


def expected_revenue(opp: Opportunity) -> Decimal | None:
    """Amount * probability / 100, rounded to cents; ``None`` without an amount."""
    if opp.amount is None:
        return None
    return (opp.amount * opp.probability / 100).quantize(_CENT, rounding=ROUND_HALF_UP)


def is_reopened(before: Opportunity, after: Opportunity) -> bool:
    """True when a change moved a closed opportunity back to an open stage."""
    return before.is_closed and not after.is_closed


def check_currency_code(code: object, field: str = "currency_code") -> str:
    """Return the ISO 4217 code in upper case, or raise when it is not three letters."""
    cleaned = code.strip().upper() if isinstance(code, str) else ""
    if not _CURRENCY.fullmatch(cleaned):
        raise ValidationError.single(
            field, "INVALID_CURRENCY_ISO", "Must be a three-letter ISO 4217 currency code"
        )
    return cleaned


# --- labels to ids, stage rules --------------------------------------------------------------

_Listed = Stage | PicklistValue


def _resolve(name: str, label: str, values: Sequence[_Listed], held: int | None) -> int:
    """The id of the active value with this label (an inactive one only if already held)."""
    found = find_by_label(values, label)
    if found is None or not (found.is_active or found.id == held):
        choices = ", ".join(v.label for v in values if v.is_active)
        raise ValidationError.single(name, _RESTRICTED, f"Must be one of: {choices}")
    return found.id


def _lists(
    stages: Sequence[Stage], lost_reasons: Sequence[_Listed], lead_sources: Sequence[_Listed]
) -> dict[str, Sequence[_Listed]]:
    return {"stage": stages, "lost_reason": lost_reasons, "lead_source": lead_sources}


def _values(
    raw: Mapping[str, object],
    lists: Mapping[str, Sequence[_Listed]],
    current: Opportunity | None,
    currency: str,
) -> dict[str, object]:
    """Clean raw input and turn its labels into ids; raise one error naming every bad field."""
    fields = {k: v for k, v in raw.items() if k != "currency_code"}
    values, errors = clean_fields(OPPORTUNITY, fields, creating=current is None)
    for name in NOT_NULL:
        if name in raw and values.get(name) is None and not has_error(errors, name):
            errors.append(FieldError(name, "REQUIRED_FIELD_MISSING", "Is required"))
    if "currency_code" in raw:
        errors.extend(_currency_errors(raw["currency_code"], currency))
    values = _resolve_labels(values, lists, current, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _resolve_labels(
    cleaned: dict[str, object],
    lists: Mapping[str, Sequence[_Listed]],
    current: Opportunity | None,
    errors: list[FieldError],
) -> dict[str, object]:
    """Replace each label input by the id of its value, adding to ``errors``."""
    values = dict(cleaned)
    for name, column in LABEL_COLUMNS.items():
        if name not in values:
            continue
        given = values.pop(name)
        held = None if current is None else getattr(current, column)
        try:
            found = None if given is None else _resolve(name, str(given), lists[name], held)
        except ValidationError as exc:
            errors.extend(exc.fields)
            continue
        values[column] = found
    return values


def _currency_errors(given: object, currency: str) -> list[FieldError]:
    """One currency per install for now: input may name it, and only it."""
    try:
        if check_currency_code(given) == currency:
            return []
    except ValidationError as exc:
        return exc.fields
    return [FieldError("currency_code", "INVALID_CURRENCY_ISO", f"Only {currency} is enabled")]


def _settle(opp: Opportunity, stage: Stage, overrides: dict[str, object], *, moved: bool) -> None:
    """After a stage move take the stage's defaults; then apply the input's overrides.

    A blank override means the stage's default.
    """
    if moved:
        opp.probability, opp.forecast_category = stage.probability, stage.forecast_category
        opp.is_closed, opp.is_won = stage.is_closed, stage.is_won
    probability = overrides.get("probability", opp.probability)
    forecast = overrides.get("forecast_category", opp.forecast_category)
    assert isinstance(probability, int | None) and isinstance(forecast, str | None)
    opp.probability = stage.probability if probability is None else probability
    opp.forecast_category = stage.forecast_category if forecast is None else forecast


def _check_lost_reason(opp: Opportunity, stage: Stage, *, reason_given: bool) -> None:
    """A lost stage needs a lost reason; any other stage has none (giving one is an error)."""
    if stage.is_lost and opp.lost_reason_id is None:
        message = f"A lost reason is required to close as '{stage.label}'"
        raise ValidationError.single("lost_reason", "REQUIRED_FIELD_MISSING", message)
    if not stage.is_lost and reason_given:
        message = "Only an opportunity closed as lost has a lost reason"
        raise ValidationError.single("lost_reason", "FIELD_INTEGRITY_EXCEPTION", message)
    if not stage.is_lost:
        opp.lost_reason_id = None


# --- lifecycle -------------------------------------------------------------------------------


def new_opportunity(
    raw: Mapping[str, object],
    *,
    stages: Sequence[Stage],
    lost_reasons: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
    currency: str,
    lead_sources: Sequence[PicklistValue] = (),
) -> Opportunity:
    """Build a valid new opportunity from raw input; raise :class:`ValidationError` otherwise.

    Without a stage it starts on the first active open stage; without an owner it belongs
    to the actor. Probability and forecast category come from the stage unless given.
    The amount is in ``currency``, the install's one currency.
    """
    currency = check_currency_code(currency)
    values = _values(raw, _lists(stages, lost_reasons, lead_sources), None, currency)
    values.setdefault("stage_id", first_open_stage(stages).id)
    values["owner_id"] = values.get("owner_id") or actor_id
    overrides = {k: values.pop(k) for k in _OVERRIDABLE if k in values}
    opp = Opportunity(**values, currency_code=currency)  # type: ignore[arg-type]
    stage = stage_by_id(stages, opp.stage_id)
    _settle(opp, stage, overrides, moved=True)
    _check_lost_reason(opp, stage, reason_given=opp.lost_reason_id is not None)
    return stamp_new(opp, actor_id=actor_id, now=now)


def update_opportunity(
    opp: Opportunity,
    raw: Mapping[str, object],
    *,
    stages: Sequence[Stage],
    lost_reasons: Sequence[PicklistValue],
    actor_id: int,
    now: datetime,
    lead_sources: Sequence[PicklistValue] = (),
) -> tuple[Opportunity, list[str]]:
    """Apply raw changes; return the new opportunity and the names of changed columns.

    Moving to another stage resets probability, forecast category, closed and won from
    it, then applies the overrides given in the same input. An inactive stage cannot be
    chosen, but an opportunity already on it keeps it. A lost stage needs a lost reason;
    leaving it clears the reason. Reopening is allowed (see :func:`is_reopened`). Any
    change bumps the version and stamps who and when, as for every record.
    """
    lists = _lists(stages, lost_reasons, lead_sources)
    values = _values(raw, lists, opp, opp.currency_code)
    overrides = {k: values.pop(k) for k in _OVERRIDABLE if k in values}
    updated = dataclasses.replace(opp, **values)  # type: ignore[arg-type]
    stage = stage_by_id(stages, updated.stage_id)
    _settle(updated, stage, overrides, moved=updated.stage_id != opp.stage_id)
    reason_given = values.get("lost_reason_id") is not None
    _check_lost_reason(updated, stage, reason_given=reason_given)
    return finish_update(opp, updated, actor_id=actor_id, now=now)


# --- contact roles ---------------------------------------------------------------------------

CONTACT_ROLE = RecordSpec(
    noun="contact role",
    fields=(
        ref("contact_id", "contact", required=True),
        choice("role", CONTACT_ROLES),
        flag("is_primary"),
    ),
    read_only=(ReadOnly(frozenset({"id", "opportunity_id"})),),
)


@dataclass(frozen=True, slots=True)
class ContactRole:
    """A contact's part in an opportunity; at most one role of an opportunity is primary."""

    opportunity_id: int
    contact_id: int
    role: str | None = None
    is_primary: bool = False
    id: int | None = None


def new_contact_role(raw: Mapping[str, object], *, opportunity_id: int) -> ContactRole:
    """Build a contact role from raw input: ``contact_id`` (required), ``role``, ``is_primary``."""
    values = clean(CONTACT_ROLE, raw, creating=True)
    return ContactRole(opportunity_id, **values)  # type: ignore[arg-type]


def check_contact_roles(roles: Sequence[ContactRole]) -> None:
    """Refuse an opportunity's roles when two are primary or a contact holds a role twice.

    Call it with the roles as they would be after a change (existing plus new).
    """
    errors: list[FieldError] = []
    if sum(r.is_primary for r in roles) > 1:
        message = "Only one contact role can be primary"
        errors.append(FieldError("is_primary", "DUPLICATE_VALUE", message))
    pairs = [(r.contact_id, r.role) for r in roles]
    if len(set(pairs)) != len(pairs):
        message = "This contact already has this role on the opportunity"
        errors.append(FieldError("role", "DUPLICATE_VALUE", message))
    if errors:
        raise ValidationError(errors)


def check_contact_account(
    contact_account_id: int | None,
    opportunity_account_id: int,
    *,
    allow_other_accounts: bool = False,
) -> None:
    """Refuse a contact that does not belong to the opportunity's account.

    A contact of another account (or of none) is allowed only with
    ``allow_other_accounts`` (a partner or consultant taking part in the deal).
    """
    if contact_account_id != opportunity_account_id and not allow_other_accounts:
        message = "The contact belongs to another account than the opportunity"
        raise ValidationError.single("contact_id", "INVALID_CROSS_REFERENCE_KEY", message)
