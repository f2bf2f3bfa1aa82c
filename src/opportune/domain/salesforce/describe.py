"""Salesforce describe results built from the object definitions.

Pure: the service supplies the values of the configurable picklists and what the caller
may do; these functions shape Salesforce's ``describe`` JSON from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from opportune.domain.salesforce.objects import SfField, SObject

__all__ = [
    "ObjectAccess",
    "PicklistEntry",
    "describe_object",
    "field_label",
    "global_entry",
    "object_urls",
]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
# Fields that get a value when a create leaves them out (besides the read-only ones).
_DEFAULTED = frozenset({"OwnerId", "Status", "Priority", "StageName", "Role__c", "TaskSubtype"})
_NUMBERS = {"currency": (18, 2), "double": (18, 2), "percent": (3, 0), "int": (9, 0)}


@dataclass(frozen=True, slots=True)
class PicklistEntry:
    """One value of a picklist as describe shows it."""

    label: str
    active: bool = True
    default: bool = False

    def as_dict(self) -> dict[str, object]:
        """Salesforce's ``picklistValues`` entry."""
        return {"active": self.active, "defaultValue": self.default, "label": self.label,
                "validFor": None, "value": self.label}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ObjectAccess:
    """What the caller may do with an object."""

    createable: bool
    updateable: bool
    deletable: bool
    queryable: bool = True


def field_label(name: str) -> str:
    """A readable label from a field name: ``FirstName`` → ``First Name``, ``AccountId`` →
    ``Account ID``, ``Close_Reason__c`` → ``Close Reason``."""
    base = name.removesuffix("__c").replace("_", " ")
    words = [w if w.isupper() else w.capitalize() for w in _WORD.findall(base)]
    words = ["ID" if w == "Id" else w for w in words]
    return " ".join(words)


def object_urls(obj: SObject, version: str) -> dict[str, str]:
    """The paths of an object's resources."""
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}"}  # fmt: skip


def global_entry(obj: SObject, access: ObjectAccess, version: str) -> dict[str, object]:
    """The object's entry in describe global (and in basic info's ``objectDescribe``)."""
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.plural,
        "keyPrefix": obj.prefix,
        "custom": False,
        "createable": access.createable,
        "updateable": access.updateable,
        "deletable": access.deletable,
        "queryable": access.queryable,
        "retrieveable": True,
        "searchable": False,
        "replicateable": obj.field("SystemModstamp") is not None,
        "urls": object_urls(obj, version),
    }


def describe_object(
    obj: SObject,
    access: ObjectAccess,
    version: str,
    picklists: Mapping[str, Sequence[PicklistEntry]],
) -> dict[str, object]:
    """The full describe of ``obj``; ``picklists`` gives the values of the picklists kept
    in tables, by table name."""
    fields = [_describe_field(f, _values(f, picklists), access) for f in obj.fields]
    return {**global_entry(obj, access, version), "fields": fields}


def _values(
    sf_field: SfField, picklists: Mapping[str, Sequence[PicklistEntry]]
) -> list[dict[str, object]]:
    source = sf_field.picklist
    if source is None:
        return []
    entries = picklists.get(source, ()) if isinstance(source, str) else map(PicklistEntry, source)
    return [entry.as_dict() for entry in entries]


def _describe_field(
    sf_field: SfField, picklist: list[dict[str, object]], access: ObjectAccess
) -> dict[str, object]:
    precision, scale = _NUMBERS.get(sf_field.type, (0, 0))
    is_text = sf_field.type not in _NUMBERS and sf_field.type not in ("boolean", "date", "datetime")
    return {
        "name": sf_field.name,
        "label": _label(sf_field),
        "type": sf_field.type,
        "length": sf_field.length if is_text else 0,
        "precision": precision,
        "scale": scale,
        "nillable": sf_field.nillable and sf_field.type != "boolean",
        "createable": access.createable and sf_field.createable,
        "updateable": access.updateable and sf_field.updateable,
        "defaultedOnCreate": _defaulted(sf_field),
        "unique": sf_field.unique,
        "externalId": sf_field.external_id,
        "idLookup": sf_field.type == "id" or sf_field.external_id,
        "custom": sf_field.name.endswith("__c"),
        "filterable": True,
        "sortable": True,
        "referenceTo": list(sf_field.reference_to),
        "relationshipName": sf_field.relationship,
        "picklistValues": picklist,
    }


def _label(sf_field: SfField) -> str:
    return "Record ID" if sf_field.type == "id" else field_label(sf_field.name)


def _defaulted(sf_field: SfField) -> bool:
    if sf_field.name in _DEFAULTED or sf_field.type in ("id", "boolean"):
        return True
    return not sf_field.nillable and not sf_field.createable
