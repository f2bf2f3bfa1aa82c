"""Describe results: the objects served, their fields, and their picklist values.

What the caller may do shows in them: an object is createable, updateable or deletable
for a user only when that user may do it (users only for administrators; lead statuses
and opportunity stages are read-only here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opportune.domain.salesforce.describe import (
    ObjectAccess,
    PicklistEntry,
    describe_object,
)
from opportune.domain.salesforce.describe import global_entry as _entry
from opportune.domain.salesforce.objects import OBJECTS, SObject
from opportune.domain.soql import FieldRef, OrderItem, Query
from opportune.domain.users import User
from opportune.errors import NotFoundError

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = [
    "RECENT_ITEMS",
    "access",
    "describe",
    "describe_global",
    "global_entry",
    "key_column",
    "picklists",
    "recent_query",
]

RECENT_ITEMS = 10
MAX_BATCH_SIZE = 200


def access(actor: User, obj: SObject) -> ObjectAccess:
    """What ``actor`` may do with records of ``obj``."""
    if not obj.writable:
        return ObjectAccess(createable=False, updateable=False, deletable=False)
    if obj.name == "User":
        return ObjectAccess(createable=actor.is_admin, updateable=actor.is_admin, deletable=False)
    return ObjectAccess(createable=True, updateable=True, deletable=True)


def global_entry(actor: User, obj: SObject, version: str) -> dict[str, object]:
    """The object's short describe, for ``actor``."""
    return _entry(obj, access(actor, obj), version)


def describe_global(actor: User, version: str) -> dict[str, object]:
    """Describe global: every object served."""
    entries = [global_entry(actor, obj, version) for obj in OBJECTS.values()]
    return {"encoding": "UTF-8", "maxBatchSize": MAX_BATCH_SIZE, "sobjects": entries}


def describe(core: Opportune, actor: User, obj: SObject, version: str) -> dict[str, object]:
    """The full describe of ``obj``, with the current picklist values."""
    return describe_object(obj, access(actor, obj), version, picklists(core))


def picklists(core: Opportune) -> dict[str, list[PicklistEntry]]:
    """The values of the configurable picklists, by table, inactive ones included."""
    lead = core.picklists.lead_picklists()
    pipeline = core.pipeline.pipeline()
    return {
        "lead_statuses": [PicklistEntry(s.label, s.is_active, s.is_default) for s in lead.statuses],
        "lead_sources": [PicklistEntry(v.label, v.is_active) for v in lead.sources],
        "lead_close_reasons": [PicklistEntry(v.label, v.is_active) for v in lead.close_reasons],
        "opportunity_stages": [PicklistEntry(s.label, s.is_active) for s in pipeline.stages],
        "opportunity_lost_reasons": [
            PicklistEntry(v.label, v.is_active) for v in pipeline.lost_reasons
        ],
    }


def recent_query(obj: SObject) -> Query:
    """The query of basic info's ``recentItems``: the last records changed (or added)."""
    name = "Name" if obj.field("Name") else "MasterLabel"
    moment = "LastModifiedDate" if obj.field("LastModifiedDate") else "Id"
    return Query(
        select=(FieldRef(("Id",)), FieldRef((name,))),
        object=obj.name,
        order_by=(OrderItem(FieldRef((moment,)), "DESC"),),
        limit=RECENT_ITEMS,
    )


def key_column(obj: SObject, field: str) -> str:
    """The column of external key ``field``; NOT_FOUND for a field that is no key."""
    sf_field = obj.field(field)
    if sf_field is None or not sf_field.external_id or sf_field.input is None:
        message = f"Provided external ID field does not exist or is not accessible: {field}"
        raise NotFoundError(message)
    return sf_field.input
