"""REST API: merging 2-3 leads, contacts or accounts, and undoing a merge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field, StrictInt

from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, RequestModel, error_responses
from opportune.domain.merge import MergeRecord
from opportune.services.merges import MergePreview, moved_counts

router = resource_router("/merges", tags=["merge"])

ObjectType = Literal["lead", "contact", "account"]
MergeId = Annotated[int, Path(ge=1, le=MAX_ID, description="The merge's id")]
RecordIds = Annotated[
    list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]],
    Field(min_length=2, max_length=3, description="The 2 or 3 records to merge, master included"),
]


class PreviewRequest(RequestModel):
    """Which records to compare, and (optionally) the master."""

    object_type: ObjectType
    ids: RecordIds
    master_id: StrictInt | None = Field(None, ge=1, le=MAX_ID, description="Default: first id")


class MergeRequest(RequestModel):
    """Merge ``ids`` into ``master_id``, taking each field from the record ``choices`` names."""

    object_type: ObjectType
    master_id: StrictInt = Field(ge=1, le=MAX_ID)
    ids: RecordIds
    choices: dict[str, StrictInt] = Field(
        default_factory=dict,
        description="Field name -> id of the record whose value wins (default: the master's "
        "value, or the first filled-in one)",
        examples=[{"email": 12, "phone": 14}],
    )
    expected_versions: dict[str, StrictInt] | None = Field(
        None,
        description="Record id -> version you last read; 409 STALE_RECORD if one changed since",
        examples=[{"12": 3, "14": 1}],
    )


class UndoRequest(RequestModel):
    """Undo options."""

    force: bool = Field(
        False, description="Restore what can be restored even if records changed since"
    )


class RecordOut(BaseModel):
    """One record compared: its id, name and version (send it back as expected_versions)."""

    id: int
    name: str
    version: int
    owner_id: int
    merged_into_id: int | None


class FieldOut(BaseModel):
    """One field side by side: each record's value as shown, and the default winner."""

    name: str
    label: str
    values: dict[str, str | None] = Field(description="Record id -> value as people read it")
    default_id: int
    differs: bool


class PreviewOut(BaseModel):
    """The records side by side, and the related rows each would bring to the master."""

    object_type: str
    master_id: int
    records: list[RecordOut]
    fields: list[FieldOut]
    related: dict[str, dict[str, int]] = Field(description="Record id -> kind -> count")


class ChangeOut(BaseModel):
    """A master field the merge changed."""

    old_value: Any
    new_value: Any


class MergeOut(BaseModel):
    """A merge: who merged which records into which master, and what moved."""

    id: int
    object_type: str
    master_id: int
    merged_ids: list[int]
    merged_by_id: int
    merged_at: datetime
    undone_at: datetime | None
    undone_by_id: int | None
    choices: dict[str, int] = Field(description="Field -> id of the record whose value won")
    changes: dict[str, ChangeOut] = Field(description="Master fields changed (old -> new)")
    moved: dict[str, int] = Field(description="Related rows moved, by `table.column`")
    dropped_contact_roles: int = Field(description="Roles the master already had (dropped)")


class MergeListOut(BaseModel):
    """Merges, newest first."""

    items: list[MergeOut]


@router.post("/preview", responses=error_responses(401, 403, 404, 409, 422))
def preview_merge(body: PreviewRequest, user: CurrentUser, core: OpportuneDep) -> PreviewOut:
    """Compare 2-3 records side by side: each field's values and the default winner."""
    return _preview(core.merges.preview(user, body.object_type, body.ids, body.master_id))


@router.post("", status_code=201, responses=error_responses(401, 403, 404, 409, 422))
def merge_records(body: MergeRequest, user: CurrentUser, core: OpportuneDep) -> MergeOut:
    """Merge 2-3 records into the master: it takes the chosen values, related records move
    to it, and the others are kept as merged (hidden from lists, recoverable by undo)."""
    versions = {int(k): v for k, v in (body.expected_versions or {}).items() if k.isdecimal()}
    result = core.merges.merge(
        user, body.object_type, body.master_id, body.ids, body.choices, versions
    )
    return merge_out(result.merge)


@router.get("", responses=error_responses(401, 422))
def list_merges(
    user: CurrentUser,
    core: OpportuneDep,
    object_type: Annotated[ObjectType | None, Query()] = None,
    record_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> MergeListOut:
    """Merges, newest first: of one kind, naming one record as master or merged."""
    return MergeListOut(
        items=[merge_out(m) for m in core.merges.history(user, object_type, record_id)]
    )


@router.get("/{merge_id}", responses=error_responses(401, 404, 422))
def get_merge(merge_id: MergeId, user: CurrentUser, core: OpportuneDep) -> MergeOut:
    """One merge, with the values it changed and the rows it moved."""
    return merge_out(core.merges.get(user, merge_id))


@router.post("/{merge_id}/undo", responses=error_responses(401, 403, 404, 409, 422))
def undo_merge(
    merge_id: MergeId, user: CurrentUser, core: OpportuneDep, body: UndoRequest | None = None
) -> MergeOut:
    """Undo a merge: the master's values, the moved rows and the merged records come back.
    Refused with 409 UNDO_BLOCKED (listing what changed) unless ``force``."""
    result = core.merges.undo(user, merge_id, force=body.force if body else False)
    return merge_out(result.merge)


def merge_out(merge: MergeRecord) -> MergeOut:
    """A merge record as the API shows it."""
    details = merge.details
    assert merge.id is not None
    return MergeOut(
        id=merge.id,
        object_type=merge.object_type,
        master_id=merge.master_id,
        merged_ids=list(merge.merged_ids),
        merged_by_id=merge.merged_by_id,
        merged_at=merge.merged_at,
        undone_at=merge.undone_at,
        undone_by_id=merge.undone_by_id,
        choices=details.get("choices", {}),
        changes={
            k: ChangeOut(old_value=v[0], new_value=v[1])
            for k, v in details.get("changes", {}).items()
        },
        moved=moved_counts(merge),
        dropped_contact_roles=len(details.get("dropped_roles", [])),
    )


def _preview(preview: MergePreview) -> PreviewOut:
    return PreviewOut(
        object_type=preview.object_type,
        master_id=preview.master_id,
        records=[
            RecordOut(
                id=r.id,
                name=preview.name_of(r),
                version=r.version,
                owner_id=r.owner_id,
                merged_into_id=r.merged_into_id,
            )
            for r in preview.records
        ],
        fields=[
            FieldOut(
                name=f.name,
                label=f.label,
                values={str(k): v for k, v in f.shown.items()},
                default_id=f.default_id,
                differs=f.differs,
            )
            for f in preview.fields
        ],
        related={str(k): v for k, v in preview.related.items()},
    )
