"""Request and response bodies for opportunities, their history and contact roles, the
stages of the pipeline and the lost reasons.

As for leads, requests refuse unknown fields and check types only; the opportunity rules
(stage labels, lost reason, non-negative amount, one primary contact role...) stay in the
domain. Lengths and choice lists are documented from the domain's own field specs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.field_history import FieldChange
from opportune.domain.history import StageSnapshot
from opportune.domain.opportunities import CONTACT_ROLE, OPPORTUNITY, ContactRole
from opportune.domain.picklists import LABEL_MAX
from opportune.domain.stages import FORECAST_CATEGORIES, Stage
from opportune.services.opportunities import (
    OPPORTUNITY_SORT_FIELDS,
    STATES,
    BoardColumn,
    OpportunityFilters,
    OpportunityLookups,
    OpportunityMetrics,
)
from opportune.services.pipeline import SORT_ORDER_MAX, Pipeline

_LIMITS = OPPORTUNITY.text_limits()
_CHOICES = OPPORTUNITY.choice_lists() | CONTACT_ROLE.choice_lists()
_READ_ONLY = {name: group.message for group in OPPORTUNITY.read_only for name in group.names}


def _text(name: str, description: str | None = None) -> Any:
    return Field(
        default=None, description=description, json_schema_extra={"maxLength": _LIMITS[name]}
    )


def _choice(name: str) -> Any:
    return Field(default=None, description=f"One of (any case): {', '.join(_CHOICES[name])}")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- requests -----------------------------------------------------------------------------


class OpportunityUpdate(RequestModel):
    """Changes to an opportunity: send only the fields to change; ``null`` clears a field.

    Moving to another stage takes the stage's probability and forecast category (unless
    given in the same request); closed and won always follow from the stage.
    """

    read_only: ClassVar[dict[str, str]] = _READ_ONLY | {"owner_name": "This field is read-only"}

    name: str | None = _text("name", "Required; cannot be cleared")
    account_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ID, description="An account id; required"
    )
    stage: str | None = Field(
        default=None, description="A stage label (any case); a lost stage needs `lost_reason`"
    )
    close_date: date | None = Field(default=None, description="A day, `2026-06-30`; required")
    amount: Decimal | None = Field(
        default=None, description="A number or a decimal string, zero or more, two decimals kept"
    )
    currency_code: str | None = Field(
        default=None, description="The installation's currency (one currency for now)"
    )
    probability: StrictInt | None = Field(
        default=None, ge=0, le=100, description="Percent; `null` means the stage's default"
    )
    forecast_category: str | None = Field(
        default=None,
        description=f"One of: {', '.join(FORECAST_CATEGORIES)}; `null` means the stage's default",
    )
    type: str | None = _choice("type")
    next_step: str | None = _text("next_step")
    lead_source: str | None = Field(default=None, description="A lead source label (any case)")
    description: str | None = _text("description")
    owner_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID, description="A user id")
    lost_reason: str | None = Field(
        default=None, description="A lost reason label; required with a lost stage"
    )


class OpportunityCreate(OpportunityUpdate):
    """A new opportunity: name, account and close date are required. Without a stage it
    starts on the first open stage; without an owner it belongs to the caller."""

    # Presence is checked by the domain so that every problem is reported at once.
    model_config = ConfigDict(json_schema_extra={"required": ["name", "account_id", "close_date"]})


class OpportunityListParams(RequestModel):
    """Query parameters of the opportunity list; repeat a parameter (or use commas) for
    several values."""

    stage: list[str] = Field(default_factory=list, description="Stage labels")
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    account: list[str] = Field(default_factory=list, description="Account ids")
    state: str | None = Field(default=None, description=f"One of: {', '.join(STATES)}")
    close_from: date | None = Field(default=None, description="Closing on or after this day")
    close_to: date | None = Field(default=None, description="Closing on or before this day")
    q: str | None = Field(default=None, description="Search in the name")
    lead_source: list[str] = Field(default_factory=list, description="Lead source labels")
    forecast_category: list[str] = Field(
        default_factory=list, description="Forecast categories: " + ", ".join(FORECAST_CATEGORIES)
    )
    lost_reason: list[str] = Field(default_factory=list, description="Lost reason labels")
    created_from: date | None = Field(default=None, description="Created on or after this day")
    created_to: date | None = Field(default=None, description="Created on or before this day")
    stage_entered_to: date | None = Field(
        default=None,
        description="Only opportunities that entered their current stage on or before this day",
    )
    sort: str = Field(
        default="close_date",
        description="A field, `-` first for descending: " + ", ".join(OPPORTUNITY_SORT_FIELDS),
    )
    cursor: str | None = Field(default=None, description="`next_cursor` or `prev_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")
    with_total: bool = Field(default=False, description="Count all matching opportunities too")

    def to_filters(self, default_limit: int) -> OpportunityFilters:
        """The shared opportunity filters for these parameters."""
        values = self.model_dump()
        values["limit"] = self.limit if self.limit is not None else default_limit
        return OpportunityFilters(**values)


class BoardColumnParams(RequestModel):
    """Query parameters of a pipeline board column."""

    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    account: list[str] = Field(default_factory=list, description="Account ids")
    close_from: date | None = Field(default=None, description="Closing on or after this day")
    close_to: date | None = Field(default=None, description="Closing on or before this day")
    cursor: str | None = Field(default=None, description="`next_cursor` or `prev_cursor` of a page")
    limit: int | None = Field(default=None, description="Cards per page (default 50)")

    def to_filters(self) -> OpportunityFilters:
        """The filters narrowing the column (cursor and limit are passed on their own)."""
        return OpportunityFilters(
            owner=self.owner, account=self.account,
            close_from=self.close_from, close_to=self.close_to,
        )  # fmt: skip


class ContactRoleUpdate(RequestModel):
    """Changes to a contact role. At most one role of an opportunity is primary."""

    read_only: ClassVar[dict[str, str]] = dict.fromkeys(
        ("id", "opportunity_id"), "This field is read-only"
    )

    contact_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ID, description="A contact of the opportunity's account"
    )
    role: str | None = _choice("role")
    is_primary: StrictBool | None = None


class ContactRoleCreate(ContactRoleUpdate):
    """A contact's role in the opportunity; ``contact_id`` is required."""

    model_config = ConfigDict(json_schema_extra={"required": ["contact_id"]})


class StageUpdate(RequestModel):
    """Changes to a stage. The list must keep an active open, won and lost stage; changed
    defaults apply to opportunities on their next move."""

    read_only: ClassVar[dict[str, str]] = {"id": "This field is read-only"}

    label: str | None = Field(default=None, json_schema_extra={"maxLength": LABEL_MAX})
    sort_order: StrictInt | None = Field(default=None, ge=0, le=SORT_ORDER_MAX)
    probability: StrictInt | None = Field(default=None, ge=0, le=100, description="Percent")
    forecast_category: str | None = Field(
        default=None, description=f"One of: {', '.join(FORECAST_CATEGORIES)}"
    )
    is_closed: StrictBool | None = None
    is_won: StrictBool | None = Field(default=None, description="A won stage is also closed")
    is_active: StrictBool | None = None


class StageCreate(StageUpdate):
    """A new stage: label, probability and forecast category are required; without
    ``sort_order`` it goes last."""

    model_config = ConfigDict(
        json_schema_extra={"required": ["label", "probability", "forecast_category"]}
    )


# --- responses ----------------------------------------------------------------------------


class OpportunityOut(BaseModel):
    """An opportunity as every interface shows it: labels with the ids, the owner named,
    money as decimal strings."""

    id: int
    name: str
    account_id: int
    stage_id: int
    stage: str
    close_date: date
    amount: str | None = Field(description="A decimal string", examples=["25000.00"])
    currency_code: str
    probability: int
    expected_revenue: str | None = Field(
        description="amount * probability / 100, a decimal string", examples=["2500.00"]
    )
    forecast_category: str
    is_closed: bool
    is_won: bool
    type: str | None
    next_step: str | None
    lead_source_id: int | None
    lead_source: str | None
    description: str | None
    lost_reason_id: int | None
    lost_reason: str | None
    owner_id: int
    owner_name: str | None
    created_at: datetime
    created_by_id: int
    updated_at: datetime
    updated_by_id: int
    version: int = Field(description="Send it back as `If-Match` to refuse lost updates")


class OpportunityPageOut(BaseModel):
    """One page of opportunities. Follow the cursors to move; ``total`` only with
    ``with_total``."""

    items: list[OpportunityOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int | None = None


class OpportunityFieldChangeOut(BaseModel):
    """One changed field of an opportunity: old and new value as text, who and when."""

    id: int
    field: str
    old_value: str | None
    new_value: str | None
    changed_by_id: int
    changed_by_name: str | None
    changed_at: datetime

    @classmethod
    def of(cls, change: FieldChange, lookups: OpportunityLookups) -> OpportunityFieldChangeOut:
        """The response for a field change."""
        assert change.id is not None
        return cls(
            id=change.id, field=change.field, old_value=change.old_value,
            new_value=change.new_value, changed_by_id=change.changed_by_id,
            changed_by_name=_user_name(lookups, change.changed_by_id),
            changed_at=change.changed_at,
        )  # fmt: skip


class StageSnapshotOut(BaseModel):
    """The pipeline values of an opportunity after one change, with who and when."""

    id: int
    stage_id: int
    stage: str
    amount: str | None = Field(description="A decimal string")
    probability: int
    expected_revenue: str | None = Field(description="A decimal string")
    close_date: date
    forecast_category: str
    is_closed: bool
    changed_by_id: int
    changed_by_name: str | None
    changed_at: datetime

    @classmethod
    def of(cls, snap: StageSnapshot, lookups: OpportunityLookups) -> StageSnapshotOut:
        """The response for a snapshot."""
        assert snap.id is not None
        return cls(
            id=snap.id, stage_id=snap.stage_id, stage=lookups.pipeline.stage(snap.stage_id).label,
            amount=_money(snap.amount), probability=snap.probability,
            expected_revenue=_money(snap.expected_revenue), close_date=snap.close_date,
            forecast_category=snap.forecast_category, is_closed=snap.is_closed,
            changed_by_id=snap.changed_by_id,
            changed_by_name=_user_name(lookups, snap.changed_by_id), changed_at=snap.changed_at,
        )  # fmt: skip


class TimeInStageOut(BaseModel):
    """Time spent in one stage over every visit."""

    stage_id: int
    stage: str
    seconds: float


class OpportunityMetricsOut(BaseModel):
    """What the stage history tells about the opportunity now."""

    time_in_stages: list[TimeInStageOut] = Field(description="In pipeline order")
    stage_age_seconds: float | None = Field(description="Time since entering the current stage")
    days_to_close: int | None = Field(description="From creation to closing; null while open")
    close_date_pushes: int = Field(description="How often the close date moved later")

    @classmethod
    def of(cls, metrics: OpportunityMetrics, pipeline: Pipeline) -> OpportunityMetricsOut:
        """The response for metrics, stages labelled."""
        spent = [
            TimeInStageOut(
                stage_id=s.id, stage=s.label, seconds=_seconds(metrics.time_in_stages[s.id])
            )
            for s in pipeline.stages
            if s.id in metrics.time_in_stages
        ]
        age = metrics.stage_age
        return cls(
            time_in_stages=spent, stage_age_seconds=None if age is None else _seconds(age),
            days_to_close=metrics.days_to_close, close_date_pushes=metrics.close_date_pushes,
        )  # fmt: skip


class ContactRoleOut(BaseModel):
    """A contact's role in an opportunity."""

    id: int
    opportunity_id: int
    contact_id: int
    role: str | None
    is_primary: bool

    @classmethod
    def of(cls, role: ContactRole) -> ContactRoleOut:
        """The response for a contact role."""
        assert role.id is not None
        return cls(
            id=role.id, opportunity_id=role.opportunity_id, contact_id=role.contact_id,
            role=role.role, is_primary=role.is_primary,
        )  # fmt: skip


class StageOut(BaseModel):
    """A stage of the pipeline and the defaults an opportunity takes there."""

    id: int
    label: str
    sort_order: int
    probability: int
    forecast_category: str
    is_closed: bool
    is_won: bool
    is_active: bool

    @classmethod
    def of(cls, stage: Stage) -> StageOut:
        """The response for a stage."""
        return cls(
            id=stage.id, label=stage.label, sort_order=stage.sort_order,
            probability=stage.probability, forecast_category=stage.forecast_category,
            is_closed=stage.is_closed, is_won=stage.is_won, is_active=stage.is_active,
        )  # fmt: skip


class ColumnTotalsOut(BaseModel):
    """The whole column (every page), filters applied."""

    count: int
    amount: str = Field(description="A decimal string", examples=["3943.83"])
    expected_revenue: str = Field(description="A decimal string", examples=["823.77"])


class BoardColumnOut(BaseModel):
    """One stage's column of the pipeline board: a page of cards by close date, and the
    totals of the whole column."""

    stage: StageOut
    items: list[OpportunityOut]
    next_cursor: str | None
    prev_cursor: str | None
    total: int = Field(description="Cards in the whole column (as `totals.count`)")
    totals: ColumnTotalsOut

    @classmethod
    def of(cls, column: BoardColumn, lookups: OpportunityLookups) -> BoardColumnOut:
        """The response for a board column."""
        page, totals = column.page, column.totals
        return cls(
            stage=StageOut.of(column.stage), items=opportunity_items(page.items, lookups),
            next_cursor=page.next_cursor, prev_cursor=page.prev_cursor, total=totals.count,
            totals=ColumnTotalsOut(
                count=totals.count, amount=str(totals.amount),
                expected_revenue=str(totals.expected_revenue),
            ),
        )  # fmt: skip


def opportunity_items(items: Iterable[Any], lookups: OpportunityLookups) -> list[OpportunityOut]:
    """Opportunities as responses, labelled with ``lookups``."""
    return [OpportunityOut.model_validate(lookups.record(opp)) for opp in items]


def _user_name(lookups: OpportunityLookups, user_id: int) -> str | None:
    return next((u.name for u in lookups.users if u.id == user_id), None)


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()
