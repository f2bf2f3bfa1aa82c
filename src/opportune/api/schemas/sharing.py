"""Sharing bodies: org-wide defaults, a record's shares, and one's own access to a record."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt

from opportune.api.schemas import MAX_ID, RequestModel
from opportune.services.sharing import RecordShare


class OrgDefaultsOut(BaseModel):
    """Every shared object's org-wide default: private, read or read_write."""

    lead: str = Field(examples=["private"])
    account: str = Field(examples=["read"])
    contact: str = Field(examples=["read"])
    opportunity: str = Field(examples=["private"])


class OrgDefaultIn(RequestModel):
    """A new org-wide default for one object."""

    access: str = Field(description="private, read (public read-only) or read_write")


class OrgDefaultOut(BaseModel):
    """One object's org-wide default after a change."""

    object_type: str
    access: str


class ShareIn(RequestModel):
    """Share a record with exactly one of a user or a queue."""

    user_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ID, description="The user to share with"
    )
    queue_id: StrictInt | None = Field(
        default=None, ge=1, le=MAX_ID, description="Or the queue to share with"
    )
    access: str = Field(description="read or edit")


class ShareOut(BaseModel):
    """One share of a record: who it is shared with, and how."""

    id: int
    object_type: str
    record_id: int
    access: str
    user_id: int | None
    queue_id: int | None
    grantee: str = Field(description="The user's name, or `Queue: <name>`")
    created_at: datetime

    @classmethod
    def of(cls, share: RecordShare) -> ShareOut:
        """The response for a share."""
        return cls(
            id=share.id, object_type=share.object_type, record_id=share.record_id,
            access=share.access, user_id=share.user_id, queue_id=share.queue_id,
            grantee=share.grantee, created_at=share.created_at,
        )  # fmt: skip


class AccessOut(BaseModel):
    """What the caller may do with a record."""

    access: Literal["read", "edit"]
