"""Request and response bodies of lead conversion: options, results, plans, records, undo."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from opportune.api.schemas import MAX_ID, FieldErrorOut, RequestModel
from opportune.domain.conversion import (
    MAX_OPPORTUNITY_NAME,
    ConversionPlan,
    ConversionRecord,
    RecordPlan,
)
from opportune.errors import FieldError
from opportune.services.conversion_undo import UndoResult
from opportune.services.conversions import ConversionResult, ConversionSuggestions


def _ref(what: str) -> Any:
    return Field(default=None, ge=1, le=MAX_ID, description=what)


class ConvertIn(RequestModel):
    """How to convert a lead (Salesforce's ``LeadConvert``, in snake case)."""

    converted_status: str | None = Field(
        default=None, description="Label of a converted lead status (required)",
        examples=["Closed - Converted"],
    )  # fmt: skip
    account_id: int | None = _ref("Merge into this existing account instead of creating one")
    contact_id: int | None = _ref(
        "Merge into this existing contact (needs account_id; it must belong to that account)"
    )
    do_not_create_opportunity: bool = Field(default=False, description="Create no opportunity")
    opportunity_name: str | None = Field(
        default=None, description="Name of the new opportunity (default: the company)",
        json_schema_extra={"maxLength": MAX_OPPORTUNITY_NAME},
    )  # fmt: skip
    opportunity_id: int | None = _ref("Attach to this existing opportunity of the account")
    owner_id: int | None = _ref("Owner of the new records (default: the lead's owner)")
    overwrite_lead_source: bool = Field(
        default=False, description="Replace the existing contact's lead source with the lead's"
    )
    send_notification_email: bool = Field(default=False, description="Notify the new owner")
    allow_duplicates: bool = Field(
        default=False,
        description="Create the account and contact even where an exact duplicate exists",
    )

    def options(self) -> dict[str, object]:
        """The options given, as the service reads them."""
        return self.model_dump(exclude_unset=True, exclude={"lead_id"})


class BulkConvertItem(ConvertIn):
    """One lead of a bulk conversion and its options."""

    lead_id: int = Field(ge=1, le=MAX_ID, description="The lead to convert")


class BulkConvertIn(RequestModel):
    """Any number of leads to convert, each with its options."""

    items: list[BulkConvertItem] = Field(description="The leads, in the order results come back")
    all_or_none: bool = Field(
        default=False, description="Convert nothing unless every lead can be converted"
    )


class ConversionResultOut(BaseModel):
    """What became of one lead (Salesforce's ``LeadConvertResult``)."""

    lead_id: int
    success: bool
    account_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    errors: list[FieldErrorOut]
    warnings: list[str] = Field(description="Duplicates found (and merged into, or not)")

    @classmethod
    def of(cls, result: ConversionResult) -> ConversionResultOut:
        """The result as the API shows it."""
        return cls(
            lead_id=result.lead_id, success=result.success, account_id=result.account_id,
            contact_id=result.contact_id, opportunity_id=result.opportunity_id,
            errors=[_error(e) for e in result.errors], warnings=list(result.warnings),
        )  # fmt: skip


class BulkConvertOut(BaseModel):
    """One result per lead, in the order asked, and the counts."""

    results: list[ConversionResultOut]
    succeeded: int
    failed: int


class RecordPlanOut(BaseModel):
    """What conversion does to the account, contact or opportunity."""

    action: str = Field(description="create or merge")
    record_id: int | None = Field(description="The record merged into (null when created)")
    values: dict[str, Any] = Field(description="create: its fields; merge: the fields filled")
    previous: dict[str, Any] = Field(description="merge: what each filled field holds now")

    @classmethod
    def of(cls, plan: RecordPlan) -> RecordPlanOut:
        """The record plan as the API shows it."""
        return cls(action=plan.action, record_id=plan.record_id, values=plan.values,
                   previous=plan.previous)  # fmt: skip


class ConversionPlanOut(BaseModel):
    """A preview of a conversion: exactly what converting with these options would do."""

    lead_id: int
    status_id: int
    owner_id: int
    converted_date: date
    account: RecordPlanOut
    contact: RecordPlanOut
    opportunity: RecordPlanOut | None
    primary_role: bool | None = Field(
        description="Whether the contact's new role is primary (null: no role is added)"
    )
    activity_ids: list[int] = Field(description="Activities that follow the lead")
    unmapped: dict[str, Any] = Field(description="Lead values no record receives (kept on it)")

    @classmethod
    def of(cls, plan: ConversionPlan) -> ConversionPlanOut:
        """The plan as the API shows it."""
        return cls(
            lead_id=plan.lead_id, status_id=plan.status_id, owner_id=plan.owner_id,
            converted_date=plan.converted_date, account=RecordPlanOut.of(plan.account),
            contact=RecordPlanOut.of(plan.contact),
            opportunity=RecordPlanOut.of(plan.opportunity) if plan.opportunity else None,
            primary_role=plan.primary_role,
            activity_ids=[m.activity_id for m in plan.activities], unmapped=plan.unmapped,
        )  # fmt: skip


class FilledFieldOut(BaseModel):
    """A field conversion filled on an existing record."""

    previous: Any
    filled: Any


class ConversionOut(BaseModel):
    """What a conversion did, as recorded (and what undo would reverse)."""

    lead_id: int
    converted_at: datetime
    converted_by_id: int
    account_id: int
    contact_id: int
    opportunity_id: int | None
    created: dict[str, int] = Field(description="Records the conversion created, by kind")
    merged: dict[str, dict[str, FilledFieldOut]] = Field(
        description="Fields filled on existing records, by kind"
    )
    activity_ids: list[int]
    unmapped: dict[str, Any]
    options: dict[str, Any]
    undone_at: datetime | None

    @classmethod
    def of(cls, record: ConversionRecord) -> ConversionOut:
        """The conversion record as the API shows it."""
        merged = {kind: {name: FilledFieldOut(previous=p, filled=f)
                         for name, (p, f) in m.fields.items()}
                  for kind, m in record.merged.items()}  # fmt: skip
        return cls(
            lead_id=record.lead_id, converted_at=record.converted_at,
            converted_by_id=record.converted_by_id, account_id=record.account_id,
            contact_id=record.contact_id, opportunity_id=record.opportunity_id,
            created={kind: ids[0] for kind, ids in record.created.items()}, merged=merged,
            activity_ids=[a.activity_id for a in record.activities], unmapped=record.unmapped,
            options=record.options, undone_at=record.undone_at,
        )  # fmt: skip


class UnconvertIn(RequestModel):
    """Undo options."""

    force: bool = Field(
        default=False,
        description="Undo even though records changed since: changed records are kept, detached",
    )


class RecordRefOut(BaseModel):
    """A record by kind and id."""

    kind: str
    id: int


class UnconvertOut(BaseModel):
    """What undo did."""

    lead_id: int
    deleted: list[RecordRefOut]
    kept: list[RecordRefOut]
    kept_because: list[FieldErrorOut]

    @classmethod
    def of(cls, result: UndoResult) -> UnconvertOut:
        """The undo result as the API shows it."""
        reasons = [FieldErrorOut(field=f"{b.kind}:{b.record_id}", code="CHANGED_SINCE_CONVERSION",
                                 message=b.message) for b in result.blockers]  # fmt: skip
        return cls(
            lead_id=result.lead_id,
            deleted=[RecordRefOut(kind=k, id=i) for k, i in result.deleted],
            kept=[RecordRefOut(kind=k, id=i) for k, i in result.kept], kept_because=reasons,
        )  # fmt: skip


def _error(error: FieldError) -> FieldErrorOut:
    return FieldErrorOut(field=error.field, code=error.code, message=error.message)


class AccountSuggestionOut(BaseModel):
    """An existing account the lead could be merged into."""

    id: int
    name: str
    website: str | None
    reasons: list[str]
    exact: bool = Field(description="Same company name or website: creating would duplicate it")


class ContactSuggestionOut(BaseModel):
    """An existing contact the lead could be merged into."""

    id: int
    first_name: str | None
    last_name: str
    email: str | None
    account_id: int | None
    account_name: str | None
    reasons: list[str]
    exact: bool = Field(description="Same email: creating would duplicate it")


class SuggestionsOut(BaseModel):
    """Existing records like the lead, exact matches first."""

    accounts: list[AccountSuggestionOut]
    contacts: list[ContactSuggestionOut]

    @classmethod
    def of(cls, found: ConversionSuggestions) -> SuggestionsOut:
        """The suggestions as the API shows them."""
        accounts = [AccountSuggestionOut(id=s.account.id or 0, name=s.account.name,
                                         website=s.account.website, reasons=list(s.reasons),
                                         exact=s.exact) for s in found.accounts]  # fmt: skip
        contacts = [ContactSuggestionOut(
            id=s.contact.id or 0, first_name=s.contact.first_name, last_name=s.contact.last_name,
            email=s.contact.email, account_id=s.contact.account_id, account_name=s.account_name,
            reasons=list(s.reasons), exact=s.exact) for s in found.contacts]  # fmt: skip
        return cls(accounts=accounts, contacts=contacts)


class FieldMappingIO(BaseModel):
    """An extra field mapping: copy ``lead_field`` into ``target_field`` of ``target``."""

    model_config = ConfigDict(extra="forbid")

    lead_field: str = Field(examples=["title"], description="A lead field (snake_case)")
    target: str = Field(examples=["opportunity"], description="account, contact or opportunity")
    target_field: str = Field(examples=["next_step"], description="A field of the target")
