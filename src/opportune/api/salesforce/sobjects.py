"""The ``sobjects/`` resources: describe, and create, read, update, delete and upsert
records, and the ``updated/`` and ``deleted/`` windows.

Thin: each route calls :class:`~opportune.services.salesforce.records.SObjectService`
as the token's user. Paths answer with and without a trailing slash where Salesforce
clients use both; a write an object does not take is 405 ``METHOD_NOT_ALLOWED``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from opportune.api.deps import OpportuneDep
from opportune.api.salesforce.deps import ApiVersion, SfUser
from opportune.errors import ConflictError
from opportune.services.salesforce.record_input import (
    METHOD_NOT_ALLOWED,
    allowed_methods,
    require_method,
    require_object,
)

router = APIRouter()

_BASE = "/data/{version}/sobjects"
Values = Annotated[dict[str, Any], Body()]
Window = Annotated[str | None, Query()]


def _check_method(name: str, method: str) -> None:
    """405 for a write the object does not take (Salesforce's status for it)."""
    obj = require_object(name)
    try:
        require_method(obj, method)
    except ConflictError as exc:
        if exc.code != METHOD_NOT_ALLOWED:
            raise
        allow = ", ".join(allowed_methods(obj))
        raise HTTPException(405, exc.message, headers={"Allow": allow}) from exc


def _field_list(fields: str | None) -> list[str]:
    return [f.strip() for f in (fields or "").split(",") if f.strip()]


@router.get(_BASE)
@router.get(_BASE + "/")
def describe_global(version: ApiVersion, user: SfUser, core: OpportuneDep) -> dict[str, object]:
    """Every object served, and what the caller may do with it."""
    return core.sobjects.describe_global(user, version)


@router.get(_BASE + "/{name}")
@router.get(_BASE + "/{name}/")
def basic_info(
    name: str, version: ApiVersion, user: SfUser, core: OpportuneDep
) -> dict[str, object]:
    """The object's short describe and its recently changed records."""
    return core.sobjects.basic_info(user, name, version)


@router.post(_BASE + "/{name}", status_code=201)
@router.post(_BASE + "/{name}/", status_code=201)
def create(
    name: str, values: Values, version: ApiVersion, user: SfUser, core: OpportuneDep
) -> JSONResponse:
    """Create a record: 201 ``{"id", "success", "errors"}``."""
    _check_method(name, "POST")
    record_id = core.sobjects.create(user, name, values)
    location = f"/services/data/v{version}/sobjects/{require_object(name).name}/{record_id}"
    body = {"id": record_id, "success": True, "errors": []}
    return JSONResponse(body, status_code=201, headers={"Location": location})


@router.get(_BASE + "/{name}/describe")
@router.get(_BASE + "/{name}/describe/")
def describe(name: str, version: ApiVersion, user: SfUser, core: OpportuneDep) -> dict[str, object]:
    """The object's fields, with picklist values."""
    return core.sobjects.describe(user, name, version)


@router.get(_BASE + "/{name}/updated")
@router.get(_BASE + "/{name}/updated/")
def updated(
    name: str, _: ApiVersion, user: SfUser, core: OpportuneDep,
    start: Window = None, end: Window = None,
) -> dict[str, Any]:  # fmt: skip
    """The ids of the records added or changed between ``start`` and ``end``."""
    return core.sobjects.updated(user, name, start, end)


@router.get(_BASE + "/{name}/deleted")
@router.get(_BASE + "/{name}/deleted/")
def deleted(
    name: str, _: ApiVersion, user: SfUser, core: OpportuneDep,
    start: Window = None, end: Window = None,
) -> dict[str, Any]:  # fmt: skip
    """The records deleted between ``start`` and ``end``."""
    return core.sobjects.deleted(user, name, start, end)


@router.get(_BASE + "/{name}/{record_id}")
def get(
    name: str, record_id: str, version: ApiVersion, user: SfUser, core: OpportuneDep,
    fields: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One record: every field, or those in ``fields`` (comma-separated)."""
    found = core.sobjects.get(user, name, record_id, fields=_field_list(fields), version=version)
    return found


@router.patch(_BASE + "/{name}/{record_id}", status_code=204)
def update(
    name: str, record_id: str, values: Values, _: ApiVersion, user: SfUser, core: OpportuneDep
) -> Response:
    """Change a record: 204."""
    _check_method(name, "PATCH")
    core.sobjects.update(user, name, record_id, values)
    return Response(status_code=204)


@router.delete(_BASE + "/{name}/{record_id}", status_code=204)
def delete(name: str, record_id: str, _: ApiVersion, user: SfUser, core: OpportuneDep) -> Response:
    """Delete a record: 204."""
    _check_method(name, "DELETE")
    core.sobjects.delete(user, name, record_id)
    return Response(status_code=204)


@router.get(_BASE + "/{name}/{field}/{value}")
def get_by_key(
    name: str, field: str, value: str, version: ApiVersion, user: SfUser, core: OpportuneDep,
    fields: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The record whose external id field ``field`` is ``value``."""
    wanted = _field_list(fields)
    return core.sobjects.get_by_key(user, name, field, value, fields=wanted, version=version)


@router.delete(_BASE + "/{name}/{field}/{value}", status_code=204)
def delete_by_key(
    name: str, field: str, value: str, _: ApiVersion, user: SfUser, core: OpportuneDep
) -> Response:
    """Delete the record with this external id: 204."""
    _check_method(name, "DELETE")
    core.sobjects.delete_by_key(user, name, field, value)
    return Response(status_code=204)


@router.patch(_BASE + "/{name}/{field}/{value}")
def upsert(
    name: str, field: str, value: str, values: Values, _: ApiVersion, user: SfUser,
    core: OpportuneDep,
) -> JSONResponse:  # fmt: skip
    """Update the record with this external id, or create it: 201 when created, else 200."""
    _check_method(name, "PATCH")
    record_id, created = core.sobjects.upsert(user, name, field, value, values)
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    return JSONResponse(body, status_code=201 if created else 200)
