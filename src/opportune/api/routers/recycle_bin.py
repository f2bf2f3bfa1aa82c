"""REST API: the recycle bin (deleted records), restoring and purging them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path, Query, Response
from pydantic import BaseModel, Field

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.domain.recycle_bin import BinEntry

router = resource_router("/recycle-bin", tags=["recycle bin"])

EntryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The bin entry's id")]
ObjectType = Literal["lead", "account", "contact", "opportunity", "activity"]


class EntryOut(BaseModel):
    """A deleted record in the bin, with how many rows went with it."""

    id: int
    object_type: str
    record_id: int
    name: str
    owner_id: int | None
    deleted_at: datetime
    deleted_by_id: int | None
    related_count: int = Field(description="Records and rows deleted with it")


class EntryListOut(BaseModel):
    """Entries newest first; pass ``next_cursor`` as ``cursor`` for more."""

    items: list[EntryOut]
    next_cursor: str | None


class PurgedOut(BaseModel):
    """How many entries were purged."""

    purged: int


def entry_out(entry: BinEntry) -> EntryOut:
    """The API shape of a bin entry."""
    return EntryOut(
        id=entry.id, object_type=entry.object_type, record_id=entry.record_id,
        name=entry.name, owner_id=entry.owner_id, deleted_at=entry.deleted_at,
        deleted_by_id=entry.deleted_by_id, related_count=entry.related_count,
    )  # fmt: skip


@router.get("", responses=error_responses(401, 422))
def list_entries(
    user: CurrentUser,
    core: OpportuneDep,
    object_type: ObjectType | None = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EntryListOut:
    """Deleted records newest first: every entry for admins, one's own deletes for others."""
    page = core.recycle_bin.list(user, object_type=object_type, cursor=cursor, limit=limit)
    return EntryListOut(items=[entry_out(e) for e in page.entries], next_cursor=page.next_cursor)


@router.get("/{entry_id}", responses=error_responses(401, 404, 422))
def get_entry(entry_id: EntryId, user: CurrentUser, core: OpportuneDep) -> EntryOut:
    """One entry."""
    return entry_out(core.recycle_bin.get(user, entry_id))


@router.post("/{entry_id}/restore", responses=error_responses(401, 403, 404, 409, 422))
def restore_entry(entry_id: EntryId, user: CurrentUser, core: OpportuneDep) -> EntryOut:
    """Put the record back with everything deleted with it (ids and links as they were).
    409 ``RESTORE_CONFLICT`` names the field when a unique value was taken meanwhile or a
    record it refers to is gone; nothing is changed then."""
    return entry_out(core.recycle_bin.restore(user, entry_id))


@router.delete("/{entry_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def purge_entry(entry_id: EntryId, user: CurrentUser, core: OpportuneDep) -> Response:
    """Delete an entry for good (admins only)."""
    core.recycle_bin.purge(user, entry_id)
    return Response(status_code=204)


@router.delete("", responses=error_responses(401, 403))
def empty_bin(user: CurrentUser, core: OpportuneDep) -> PurgedOut:
    """Empty the bin (admins only)."""
    return PurgedOut(purged=core.recycle_bin.purge_all(user))
