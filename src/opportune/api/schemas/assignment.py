"""Request and response bodies of the assignment API: rules, queues, round-robin groups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.assignment import AssignmentRule
from opportune.domain.assignment_groups import Queue, RoundRobinGroup
from opportune.services.assignment import ReassignResult
from opportune.services.filters import LeadFilters

Operator = Literal[
    "equals", "not_equals", "in", "not_in", "contains", "starts_with",
    "greater_than", "less_than", "between", "blank", "not_blank",
]  # fmt: skip


class CriterionIn(RequestModel):
    """A condition on a lead field; every criterion of an entry must hold."""

    field: str = Field(examples=["country"], description="A lead field, e.g. country, rating")
    operator: Operator
    value: Any = Field(
        default=None,
        examples=[["US", "CA"]],
        description="Text, a number, a list (in, not_in) or [low, high] (between); "
        "none for blank/not_blank",
    )


class EntryIn(RequestModel):
    """An ordered entry: criteria and who gets the leads that meet them."""

    criteria: list[CriterionIn] = Field(default_factory=list, description="Empty: every lead")
    assignee_type: Literal["user", "queue", "round_robin"]
    user_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    queue_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    group_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="A round-robin group")


class RuleIn(RequestModel):
    """A rule definition: entries in order (first match wins) and the default."""

    name: str = Field(max_length=120, examples=["Regions"])
    entries: list[EntryIn] = Field(default_factory=list)
    default_owner_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Gets unmatched leads"
    )
    default_queue_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Or: holds unmatched leads"
    )

    def to_data(self) -> dict[str, object]:
        """The definition as the service takes it."""
        return self.model_dump()


class CriterionOut(BaseModel):
    """A condition on a lead field."""

    field: str
    operator: str
    value: Any = None


class EntryOut(BaseModel):
    """An entry of a rule, at its position (1 = tried first)."""

    position: int
    criteria: list[CriterionOut]
    assignee_type: str
    user_id: int | None
    queue_id: int | None
    group_id: int | None


class RuleOut(BaseModel):
    """An assignment rule with its ordered entries."""

    id: int
    name: str
    is_active: bool
    default_owner_id: int | None
    default_queue_id: int | None
    entries: list[EntryOut]
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, rule: AssignmentRule) -> RuleOut:
        """The response body for a rule."""
        return cls(
            id=rule.id or 0, name=rule.name, is_active=rule.is_active,
            default_owner_id=rule.default_owner_id, default_queue_id=rule.default_queue_id,
            entries=[
                EntryOut(
                    position=e.position,
                    criteria=[CriterionOut(**c.as_dict()) for c in e.criteria],
                    assignee_type=e.assignee.type, user_id=e.assignee.user_id,
                    queue_id=e.assignee.queue_id, group_id=e.assignee.group_id,
                )
                for e in rule.entries
            ],
            created_at=rule.created_at, updated_at=rule.updated_at,
        )  # fmt: skip


class QueueIn(RequestModel):
    """A queue: a shared inbox of leads."""

    name: str = Field(max_length=80, examples=["Web leads"])
    email: str | None = Field(default=None, max_length=254)


class QueueUpdate(RequestModel):
    """Changes to a queue."""

    name: str | None = Field(default=None, max_length=80)
    email: str | None = Field(default=None, max_length=254)


class MemberIn(RequestModel):
    """A user to add to a queue or group (``weight`` for groups: 2 gets twice the leads)."""

    user_id: int = Field(ge=1, le=MAX_ID)
    weight: int = Field(default=1, ge=1, le=100)


class QueueOut(BaseModel):
    """A queue with its members and how many unconverted leads it holds."""

    id: int
    name: str
    email: str | None
    member_ids: list[int]
    lead_count: int
    created_at: datetime | None

    @classmethod
    def of(cls, queue: Queue) -> QueueOut:
        """The response body for a queue."""
        return cls(
            id=queue.id, name=queue.name, email=queue.email, member_ids=list(queue.member_ids),
            lead_count=queue.lead_count, created_at=queue.created_at,
        )  # fmt: skip


class GroupIn(RequestModel):
    """A round-robin group."""

    name: str = Field(max_length=80, examples=["Inbound reps"])


class GroupMemberOut(BaseModel):
    """A member of a round-robin group and their share so far."""

    user_id: int
    weight: int
    assigned_count: int
    last_assigned_at: datetime | None


class GroupOut(BaseModel):
    """A round-robin group with its members."""

    id: int
    name: str
    members: list[GroupMemberOut]
    created_at: datetime | None

    @classmethod
    def of(cls, group: RoundRobinGroup) -> GroupOut:
        """The response body for a group."""
        members = [
            GroupMemberOut(
                user_id=m.user_id, weight=m.weight, assigned_count=m.assigned_count,
                last_assigned_at=m.last_assigned_at,
            )
            for m in group.members
        ]  # fmt: skip
        return cls(id=group.id, name=group.name, members=members, created_at=group.created_at)


class ReassignIn(RequestModel):
    """Which leads to re-run assignment on: the lead list's filters (unconverted leads only)."""

    status: list[str] = Field(default_factory=list)
    lead_source: list[str] = Field(default_factory=list)
    owner: list[str] = Field(default_factory=list, description="User ids, emails, or `me`")
    rating: list[str] = Field(default_factory=list)
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None
    unread: bool = False
    queue: str | None = Field(default=None, description="A queue id or name, or `mine`")
    rule_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Use this rule, not the active one"
    )

    def to_filters(self) -> LeadFilters:
        """The shared lead filters."""
        return LeadFilters(**self.model_dump(exclude={"rule_id"}))


class ReassignOut(BaseModel):
    """What re-running assignment did."""

    rule_name: str | None
    matched: int = Field(description="Unconverted leads the filters matched")
    changed: int = Field(description="Leads that got a new owner or queue")
    unchanged: int

    @classmethod
    def of(cls, result: ReassignResult) -> ReassignOut:
        """The response body for a re-run."""
        return cls(
            rule_name=result.rule_name, matched=result.matched, changed=result.changed,
            unchanged=result.unchanged,
        )  # fmt: skip
