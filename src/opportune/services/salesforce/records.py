"""Salesforce-shaped record reads and writes: the ``sobjects/`` resources.

Every write goes through Opportune's own record services, as the token's user, so every
rule holds here too: validation, duplicate rules, field history, assignment on create,
the converted-lead lock and who may delete what. Field names and errors are Salesforce's
(see :mod:`opportune.domain.salesforce.record_input`). Reads go through the SOQL
service, so a record reads exactly as a query returns it.

The external keys (``External_Id__c``, ``Salesforce_Id__c``) are checked before the write
(to name the record that holds a key already) and stored by the record service in the
write's own transaction, so a concurrent writer taking the same key meanwhile makes the
whole second write fail with ``DUPLICATE_VALUE``, leaving nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import SObject
from opportune.domain.salesforce.record_input import key_value, record_input
from opportune.domain.soql import Comparison, FieldRef, Query
from opportune.domain.users import User
from opportune.errors import ConvertedLeadError, NotFoundError
from opportune.services.salesforce import describe, replication
from opportune.services.salesforce.record_input import (
    NOT_FOUND_MESSAGE,
    check_keys_free,
    find_by_key,
    path_id,
    require_exists,
    require_method,
    require_object,
    sf_errors,
    writer_for,
)

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["SObjectService"]


class SObjectService:
    """Salesforce-shaped record reads and writes, as one user: ``actor`` everywhere."""

    def __init__(self, core: Opportune) -> None:
        self.core = core

    # --- describe --------------------------------------------------------------------------

    def describe_global(self, actor: User, version: str) -> dict[str, object]:
        """Every object served and what the actor may do with it."""
        return describe.describe_global(actor, version)

    def describe(self, actor: User, name: str, version: str) -> dict[str, object]:
        """The object's fields, with the values of its picklists."""
        return describe.describe(self.core, actor, require_object(name), version)

    def basic_info(self, actor: User, name: str, version: str) -> dict[str, object]:
        """The object's short describe and its most recently changed records."""
        obj = require_object(name)
        recent = self.core.soql.run(actor, describe.recent_query(obj), version=version)
        return {"objectDescribe": describe.global_entry(actor, obj, version),
                "recentItems": recent}  # fmt: skip

    # --- records ---------------------------------------------------------------------------

    def get(
        self, actor: User, name: str, record_id: str, *, fields: Sequence[str] = (),
        version: str = "59.0",
    ) -> dict[str, Any]:  # fmt: skip
        """The record (every field, or the ``fields`` named, parent fields included)."""
        obj = require_object(name)
        return self._read(actor, obj, path_id(obj, record_id), fields, version)

    def get_by_key(
        self, actor: User, name: str, field: str, value: str, *, fields: Sequence[str] = (),
        version: str = "59.0",
    ) -> dict[str, Any]:  # fmt: skip
        """The record whose external key ``field`` is ``value``."""
        obj = require_object(name)
        if field.lower() == "id":
            return self.get(actor, name, value, fields=fields, version=version)
        column = describe.key_column(obj, field)
        ids = find_by_key(self.core, obj, column, value, actor)
        if not ids:
            raise NotFoundError(NOT_FOUND_MESSAGE)
        return self._read(actor, obj, ids[0], fields, version)

    def create(self, actor: User, name: str, values: Mapping[str, object]) -> str:
        """Create a record from Salesforce field values; return its 18-character id.

        A User (administrators only) starts as a rep unless ``Role__c`` says otherwise,
        with a random password nobody knows: it cannot sign in with a password until an
        administrator sets one.
        """
        obj = require_object(name)
        require_method(obj, "POST")
        with sf_errors(obj):
            parsed = record_input(obj, values, creating=True)
        check_keys_free(self.core, obj, parsed.keys, None, actor)
        with sf_errors(obj):
            record = writer_for(self.core, obj).create(actor, parsed.data, keys=parsed.keys)
        assert record.id is not None
        return sf_id(obj.name, record.id)

    def update(self, actor: User, name: str, record_id: str, values: Mapping[str, object]) -> None:
        """Change a record; the fields left out keep their values."""
        obj = require_object(name)
        require_method(obj, "PATCH")
        self._update(actor, obj, path_id(obj, record_id), values)

    def delete(self, actor: User, name: str, record_id: str) -> None:
        """Delete a record (a converted lead is refused: CANNOT_UPDATE_CONVERTED_LEAD)."""
        obj = require_object(name)
        require_method(obj, "DELETE")
        number = path_id(obj, record_id)
        require_exists(self.core, obj, number, actor)
        if obj.name == "Lead" and self.core.leads.get(actor, number, mark_read=False).is_converted:
            raise ConvertedLeadError(f"Lead {record_id} is converted and cannot be deleted")
        writer_for(self.core, obj).delete(actor, number)

    def delete_by_key(self, actor: User, name: str, field: str, value: str) -> None:
        """Delete the record whose external key ``field`` is ``value`` (or whose ``Id`` it is)."""
        obj = require_object(name)
        require_method(obj, "DELETE")
        if field.lower() == "id":
            self.delete(actor, name, value)
            return
        ids = find_by_key(self.core, obj, describe.key_column(obj, field), value, actor)
        if not ids:
            raise NotFoundError(NOT_FOUND_MESSAGE)
        self.delete(actor, name, sf_id(obj.name, ids[0]))

    def upsert(
        self, actor: User, name: str, field: str, value: str, values: Mapping[str, object]
    ) -> tuple[str, bool]:
        """Update the record whose external key ``field`` is ``value``, or create one with
        that key when there is none (``field`` may also be ``Id``: then it must exist).

        Return the record's 18-character id and whether it was created.
        """
        obj = require_object(name)
        require_method(obj, "PATCH")
        if field.lower() == "id":
            number = path_id(obj, value)
            self._update(actor, obj, number, values)
            return sf_id(obj.name, number), False
        column = describe.key_column(obj, field)
        sf_field = obj.field(field)
        assert sf_field is not None
        with sf_errors(obj):
            key = key_value(sf_field, value)
        body = {k: v for k, v in values.items() if k.lower() != sf_field.name.lower()}
        ids = find_by_key(self.core, obj, column, key or "", actor) if key else []
        if not ids:
            return self.create(actor, name, {**body, sf_field.name: key}), True
        self._update(actor, obj, ids[0], body)
        return sf_id(obj.name, ids[0]), False

    def updated(self, actor: User, name: str, start: str | None, end: str | None) -> dict[str, Any]:
        """The ids of the records created or changed in a window of at most 30 days."""
        return replication.updated(self.core, require_object(name), start, end, actor)

    def deleted(self, actor: User, name: str, start: str | None, end: str | None) -> dict[str, Any]:
        """The records deleted in a window of at most 30 days, and when."""
        return replication.deleted(self.core, require_object(name), start, end)

    # --- helpers ---------------------------------------------------------------------------

    def _update(self, actor: User, obj: SObject, number: int, values: Mapping[str, object]) -> None:
        require_exists(self.core, obj, number, actor)
        with sf_errors(obj):
            parsed = record_input(obj, values, creating=False)
        check_keys_free(self.core, obj, parsed.keys, number, actor)
        # Always through the service, even for keys alone: its locks and checks hold.
        with sf_errors(obj):
            writer_for(self.core, obj).update(actor, number, parsed.data, keys=parsed.keys)

    def _read(
        self, actor: User, obj: SObject, number: int, fields: Sequence[str], version: str
    ) -> dict[str, Any]:
        names = list(fields) or [f.name for f in obj.fields]
        if not any(n.lower() == "id" for n in names):
            names.insert(0, "Id")
        query = Query(
            select=tuple(FieldRef(tuple(n.strip().split("."))) for n in names),
            object=obj.name,
            where=Comparison(FieldRef(("Id",)), "=", sf_id(obj.name, number)),
        )
        rows = self.core.soql.run(actor, query, version=version)
        if not rows:
            raise NotFoundError(NOT_FOUND_MESSAGE)
        return dict(rows[0])
