"""Audit log bodies: the list's query parameters, an entry, and a page of entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from opportune.api.schemas import RequestModel
from opportune.domain.audit import AuditEntry
from opportune.services.audit import AuditFilters


class AuditListParams(RequestModel):
    """Query parameters of the audit log; repeat a parameter (or use commas) for several."""

    action: list[str] = Field(
        default_factory=list, description="Action names, or a prefix such as `login.*`"
    )
    user: list[str] = Field(default_factory=list, description="Actors: user ids, emails or `me`")
    object_type: str | None = Field(default=None, description="Object type, e.g. `lead`")
    object_id: int | None = Field(default=None, description="Object id (with `object_type`)")
    since: date | None = Field(default=None, description="On or after this day (UTC)")
    until: date | None = Field(default=None, description="On or before this day (UTC)")
    ip: str | None = Field(default=None, description="Client IP address")
    cursor: str | None = Field(default=None, description="`next_cursor` of a page")
    limit: int | None = Field(default=None, description="Page size (default 50)")

    def to_filters(self, default_limit: int) -> AuditFilters:
        """The audit service's filters for these parameters."""
        values = self.model_dump()
        values["limit"] = self.limit if self.limit is not None else default_limit
        return AuditFilters(**values)


class AuditEntryOut(BaseModel):
    """One audit entry: when, who, what, on which object, from which IP, and details."""

    id: int
    at: datetime
    action: str = Field(examples=["login.succeeded"])
    actor_id: int | None
    actor_email: str | None
    object_type: str | None
    object_id: int | None
    ip: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        """The response body of ``entry``."""
        return cls(
            id=entry.id, at=entry.at, action=entry.action, actor_id=entry.actor_id,
            actor_email=entry.actor_email, object_type=entry.object_type,
            object_id=entry.object_id, ip=entry.ip, details=entry.details,
        )  # fmt: skip


class AuditPageOut(BaseModel):
    """A page of audit entries, newest first, with the cursor of the next page."""

    items: list[AuditEntryOut]
    next_cursor: str | None
    prev_cursor: str | None
