"""Sharing: org-wide defaults (admins set them) and the shares of single records.

``/leads/{id}/shares``, ``/accounts/{id}/shares``, ``/contacts/{id}/shares`` and
``/opportunities/{id}/shares`` list and add shares; ``/shares/{id}`` removes one.
``/{object}/{id}/access`` tells what the caller may do with a record. A record the
caller may not see is a 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Response

from opportune.api.deps import AdminUser, CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.sharing import (
    AccessOut,
    OrgDefaultIn,
    OrgDefaultOut,
    OrgDefaultsOut,
    ShareIn,
    ShareOut,
)
from opportune.domain.sharing import Access
from opportune.errors import NotFoundError
from opportune.services.access import NOUNS

router = resource_router(tags=["sharing"])

# URL collection name -> object type.
COLLECTIONS = {"leads": "lead", "accounts": "account", "contacts": "contact",
               "opportunities": "opportunity"}  # fmt: skip

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id")]


@router.get("/sharing/defaults", responses=error_responses(401))
def get_org_defaults(user: CurrentUser, core: OpportuneDep) -> OrgDefaultsOut:
    """Every object's org-wide default access: ``private``, ``read`` (public read-only)
    or ``read_write`` (public read/write)."""
    return OrgDefaultsOut(**{k: v.value for k, v in core.sharing.org_defaults().items()})


@router.put("/sharing/defaults/{object_type}", responses=error_responses(401, 403, 422))
def set_org_default(
    object_type: Annotated[str, Path(description="lead, account, contact or opportunity")],
    body: OrgDefaultIn,
    admin: AdminUser,
    core: OpportuneDep,
) -> OrgDefaultOut:
    """Change one object's org-wide default (administrators only); audited."""
    chosen = core.sharing.set_org_default(admin, object_type, body.access)
    return OrgDefaultOut(object_type=object_type.strip().lower(), access=chosen.value)


@router.delete("/shares/{share_id}", status_code=204, responses=error_responses(401, 403, 404, 422))
def delete_share(
    share_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The share's id")],
    user: CurrentUser,
    core: OpportuneDep,
) -> Response:
    """Remove a share (the record's owner, their managers, or an administrator)."""
    core.sharing.unshare(user, share_id)
    return Response(status_code=204)


def _list_shares(object_type: str) -> Callable[..., list[ShareOut]]:
    def list_shares(record_id: RecordId, user: CurrentUser, core: OpportuneDep) -> list[ShareOut]:
        return [ShareOut.of(s) for s in core.sharing.shares(user, object_type, record_id)]

    return list_shares


def _add_share(object_type: str) -> Callable[..., ShareOut]:
    def add_share(
        record_id: RecordId, body: ShareIn, user: CurrentUser, core: OpportuneDep
    ) -> ShareOut:
        share = core.sharing.share(
            user, object_type, record_id,
            access=body.access, user_id=body.user_id, queue_id=body.queue_id,
        )  # fmt: skip
        return ShareOut.of(share)

    return add_share


def _my_access(object_type: str) -> Callable[..., AccessOut]:
    def my_access(record_id: RecordId, user: CurrentUser, core: OpportuneDep) -> AccessOut:
        access = core.sharing.access(user, object_type, record_id)
        if access is Access.NONE:
            raise NotFoundError.for_record(NOUNS[object_type], record_id)
        return AccessOut(access="edit" if access is Access.EDIT else "read")

    return my_access


def _route(path: str, endpoint: Callable[..., Any], name: str, doc: str, **kw: Any) -> None:
    endpoint.__doc__ = doc
    router.add_api_route(path, endpoint, name=name, operation_id=name, **kw)


for collection, noun in COLLECTIONS.items():
    base = f"/{collection}/{{record_id}}"
    _route(f"{base}/shares", _list_shares(noun), f"list_{noun}_shares",
           f"The {noun}'s shares (anyone who can see the {noun}).",
           methods=["GET"], responses=error_responses(401, 404, 422))  # fmt: skip
    _route(f"{base}/shares", _add_share(noun), f"add_{noun}_share",
           f"Share the {noun} with a user or a queue, read or edit (its owner, their "
           "managers, or an administrator).", methods=["POST"], status_code=201,
           responses=error_responses(401, 403, 404, 422))  # fmt: skip
    _route(f"{base}/access", _my_access(noun), f"get_{noun}_access",
           f"What the caller may do with the {noun}: read or edit (404 when hidden).",
           methods=["GET"], responses=error_responses(401, 404, 422))  # fmt: skip
