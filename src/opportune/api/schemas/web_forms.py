"""Request and response bodies of the web-to-lead admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.domain.web_forms import LIMIT_MAX, NAME_MAX, WebForm, WebFormSubmission
from opportune.services.web_forms import FormOverview, QueueRun, SubmissionPage

Limit = Field(default=None, ge=1, le=LIMIT_MAX)


class WebFormDefaults(RequestModel):
    """What a form's leads get when the post does not say (labels as in the picklists)."""

    lead_source: str | None = Field(default=None, examples=["Web"])
    campaign: str | None = Field(default=None, max_length=80, examples=["Spring webinar"])
    status: str | None = Field(default=None, examples=["Open - Not Contacted"])
    rating: str | None = Field(default=None, examples=["Warm"])


class WebFormWrite(RequestModel):
    """A form's settings; on create only ``name`` is required."""

    name: str | None = Field(default=None, max_length=NAME_MAX, examples=["Contact us"])
    is_active: StrictBool | None = None
    defaults: WebFormDefaults | None = None
    owner_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Owns the leads when no assignment rule decides"
    )
    use_assignment_rule: StrictBool | None = Field(
        default=None, description="Run the active assignment rule on the form's leads"
    )
    allowed_redirect_hosts: list[str] | None = Field(
        default=None, examples=[["www.example.com", "*.example.org"]],
        description="Hosts retURL may point at; others get the thank-you page",
    )  # fmt: skip
    duplicate_action: Literal["attach", "flag"] | None = Field(
        default=None,
        description="attach: a task with the post on the existing lead; flag: create and report",
    )
    daily_cap: int | None = Limit
    per_ip_per_hour: int | None = Limit
    per_form_per_minute: int | None = Limit

    def to_data(self) -> dict[str, Any]:
        """The fields sent, as the service takes them."""
        data = self.model_dump(exclude_unset=True)
        if self.defaults is not None:
            data["defaults"] = self.defaults.model_dump(exclude_none=True)
        return data


class WebFormOut(BaseModel):
    """A form configuration with its numbers."""

    id: int
    key: str = Field(description="The public key: the hidden `oid` of posts")
    name: str
    is_active: bool
    defaults: dict[str, str]
    owner_id: int | None
    owner_name: str | None = None
    use_assignment_rule: bool
    allowed_redirect_hosts: list[str]
    duplicate_action: str
    daily_cap: int
    per_ip_per_hour: int
    per_form_per_minute: int
    queued: int = Field(0, description="Posts waiting for room under the daily cap")
    leads_today: int = Field(0, description="Leads made today (UTC), what the cap counts")
    created_by_id: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, form: WebForm, overview: FormOverview | None = None) -> WebFormOut:
        """The response for a form (and its numbers, when known)."""
        extra: dict[str, Any] = {}
        if overview is not None:
            extra = {"queued": overview.queued, "leads_today": overview.leads_today,
                     "owner_name": overview.owner_name}  # fmt: skip
        return cls(
            id=form.id or 0, key=form.key, name=form.name, is_active=form.is_active,
            defaults=form.defaults, owner_id=form.owner_id,
            use_assignment_rule=form.use_assignment_rule,
            allowed_redirect_hosts=form.allowed_redirect_hosts,
            duplicate_action=form.duplicate_action.value, daily_cap=form.daily_cap,
            per_ip_per_hour=form.per_ip_per_hour, per_form_per_minute=form.per_form_per_minute,
            created_by_id=form.created_by_id, created_at=form.created_at,
            updated_at=form.updated_at, **extra,
        )  # fmt: skip


class SubmissionOut(BaseModel):
    """One post to a form and what became of it."""

    id: int
    received_at: datetime
    ip: str
    status: str
    lead_id: int | None
    error: str | None
    processed_at: datetime | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, s: WebFormSubmission) -> SubmissionOut:
        """The response for a submission."""
        return cls(
            id=s.id or 0, received_at=s.received_at, ip=s.ip, status=s.status.value,
            lead_id=s.lead_id, error=s.error, processed_at=s.processed_at, payload=s.payload,
        )  # fmt: skip


class SubmissionPageOut(BaseModel):
    """A page of submissions, newest first."""

    items: list[SubmissionOut]
    next_cursor: str | None
    total: int

    @classmethod
    def of(cls, page: SubmissionPage) -> SubmissionPageOut:
        """The response for a page."""
        items = [SubmissionOut.of(s) for s in page.items]
        return cls(items=items, next_cursor=page.next_cursor, total=page.total)


class SnippetOut(BaseModel):
    """The HTML to paste into a website."""

    html: str
    fields: list[str]
    return_url: str | None


class QueueRunOut(BaseModel):
    """What processing the overflow queue did."""

    processed: int
    by_status: dict[str, int]
    remaining: int

    @classmethod
    def of(cls, run: QueueRun) -> QueueRunOut:
        """The response for a run."""
        return cls(processed=run.processed, by_status=run.by_status, remaining=run.remaining)
