"""Request and response bodies of the duplicates endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.duplicate_rules import DuplicateRule
from opportune.services.duplicates import DuplicateCandidate, DuplicateReport, ReportFilters

ObjectType = Literal["lead", "contact", "account"]
Action = Literal["allow", "alert", "report", "block"]


class ComparisonIn(RequestModel):
    """One field compared one way."""

    field: str = Field(
        description="A field of the rule's object (lead/contact: first_name, last_name, "
        "email, phone, company, title...; account: name, website...)"
    )
    method: Literal["exact", "fuzzy"] = "exact"
    threshold: StrictInt = Field(default=100, description="0-100; fuzzy comparisons only")


class ComparisonOut(BaseModel):
    """One field compared one way."""

    field: str
    method: str
    threshold: int


class RuleUpdate(RequestModel):
    """Changes to a duplicate rule: send only what changes."""

    name: str | None = Field(default=None, max_length=120)
    is_active: StrictBool | None = None
    alternatives: list[list[ComparisonIn]] | None = Field(
        default=None, description="Any one alternative matching is enough; all of its "
        "comparisons must match")  # fmt: skip
    compare_with: list[ObjectType] | None = Field(
        default=None, description="Kinds of existing records compared (a lead rule: lead, contact)"
    )
    action_on_create: Action | None = None
    action_on_edit: Action | None = None
    sort_order: StrictInt | None = Field(default=None, ge=0, le=10_000)

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the service takes them."""
        return self.model_dump(exclude_unset=True)


class RuleCreate(RuleUpdate):
    """A new duplicate rule."""

    object_type: ObjectType
    name: str | None = Field(max_length=120)
    alternatives: list[list[ComparisonIn]] | None = Field(description="At least one alternative")


class RuleOut(BaseModel):
    """A duplicate rule."""

    id: int
    object_type: str
    name: str
    is_active: bool
    alternatives: list[list[ComparisonOut]]
    compare_with: list[str]
    action_on_create: str
    action_on_edit: str
    sort_order: int

    @classmethod
    def of(cls, rule: DuplicateRule) -> RuleOut:
        """The response body of a rule."""
        alternatives = [[ComparisonOut(field=c.field, method=c.method.value,
                                       threshold=c.threshold) for c in alt]
                        for alt in rule.rule.alternatives]  # fmt: skip
        return cls(
            id=rule.id, object_type=rule.object_type, name=rule.name, is_active=rule.is_active,
            alternatives=alternatives, compare_with=list(rule.compare_with),
            action_on_create=rule.action_on_create, action_on_edit=rule.action_on_edit,
            sort_order=rule.sort_order,
        )  # fmt: skip


class RuleListOut(BaseModel):
    """Duplicate rules in the order they apply."""

    items: list[RuleOut]


class CandidateOut(BaseModel):
    """An existing record that looks like this one."""

    object_type: str
    record_id: int
    name: str
    rule_id: int
    rule_name: str
    action: str
    score: float = Field(description="Mean similarity (0-100) of the fields that matched")
    fields: list[str] = Field(description="The fields compared by the alternative that matched")

    @classmethod
    def of(cls, c: DuplicateCandidate) -> CandidateOut:
        """The response body of a match."""
        return cls(object_type=c.object_type, record_id=c.record_id, name=c.name,
                   rule_id=c.rule_id, rule_name=c.rule_name, action=c.action, score=c.score,
                   fields=list(c.fields))  # fmt: skip


class CandidateListOut(BaseModel):
    """Possible duplicates, best first."""

    items: list[CandidateOut]


class ReportOut(BaseModel):
    """A reported pair of records."""

    id: int
    rule_id: int | None
    rule_name: str | None
    object_type: str
    record_id: int
    record_name: str
    other_type: str
    other_id: int
    other_name: str
    score: float | None
    reported_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, r: DuplicateReport) -> ReportOut:
        """The response body of a report row."""
        return cls.model_validate(r, from_attributes=True)


class ReportPageOut(BaseModel):
    """One page of the duplicates report."""

    items: list[ReportOut]
    total: int
    offset: int
    limit: int


class ReportParams(RequestModel):
    """Filters of the duplicates report."""

    object_type: ObjectType | None = None
    rule_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: Literal["open", "dismissed", "all"] = "open"
    offset: int = Field(default=0, ge=0, le=MAX_ID)  # larger overflows SQLite's OFFSET
    limit: int | None = Field(default=None, ge=1, description="Page size (default 50)")

    def to_filters(self, default_limit: int) -> ReportFilters:
        """The service's report filters."""
        limit = self.limit if self.limit is not None else default_limit
        return ReportFilters(self.object_type, self.rule_id, self.status, self.offset, limit)


class ScanIn(RequestModel):
    """Which leads to scan: the lead list's filters."""

    status: list[str] = Field(default_factory=list, description="Status labels")
    lead_source: list[str] = Field(default_factory=list, description="Lead source labels")
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    rating: list[str] = Field(default_factory=list)
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None


class ScanOut(BaseModel):
    """What a scan did."""

    scanned: int = Field(description="Leads compared")
    reported: int = Field(description="New pairs added to the duplicates report")
