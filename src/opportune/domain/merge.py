"""Merging 2-3 records of one kind: which fields can be merged, and the merge plan.

The user picks a master record and, field by field, the record whose value wins. A
field not chosen keeps the master's value, or else the first non-empty value among the
others (so merging never empties a field that one of the records had filled). The plan
says what the master's fields become and which records get merged into it; moving the
related rows is the service's job.

Records are the domain dataclasses (:class:`~opportune.domain.leads.Lead`, ``Contact``,
``Account``); this module only reads their attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opportune.domain.accounts import ACCOUNT
from opportune.domain.contacts import CONTACT
from opportune.domain.fields import RecordSpec
from opportune.domain.lead_fields import LEAD
from opportune.errors import ConvertedLeadError, FieldError, ValidationError

__all__ = [
    "MERGE_FIELDS",
    "OBJECT_TYPES",
    "MergeField",
    "MergePlan",
    "MergeRecord",
    "default_choices",
    "is_empty",
    "merge_field",
    "plan_merge",
]

OBJECT_TYPES = ("lead", "contact", "account")
MIN_RECORDS, MAX_RECORDS = 2, 3
NOUNS = {"lead": "Lead", "contact": "Contact", "account": "Account"}
# Labels on input, ids on the record: input names the field, the record holds the column.
_COLUMNS = {
    "status": "status_id",
    "lead_source": "source_id",
    "close_reason": "close_reason_id",
    "account_source": "source_id",
}
_SPECS: dict[str, RecordSpec] = {"lead": LEAD, "contact": CONTACT, "account": ACCOUNT}


@dataclass(frozen=True, slots=True)
class MergeField:
    """A field the user picks a value for: its input ``name``, the record attribute
    (``column``) holding it, and how people read its name."""

    name: str
    column: str
    label: str


def _label(name: str) -> str:
    text = name.removesuffix("_id").replace("_", " ")
    return text[:1].upper() + text[1:]


MERGE_FIELDS: dict[str, tuple[MergeField, ...]] = {
    kind: tuple(
        MergeField(f.name, _COLUMNS.get(f.name, f.name), _label(f.name)) for f in spec.fields
    )
    for kind, spec in _SPECS.items()
}


def merge_field(object_type: str, name: str) -> MergeField | None:
    """The mergeable field called ``name`` (its input name or its column), if any."""
    for found in MERGE_FIELDS[object_type]:
        if name in (found.name, found.column):
            return found
    return None


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What a merge does to the records themselves.

    ``choices`` maps every mergeable field name to the record whose value wins;
    ``changes`` maps each master attribute that changes to (old value, new value);
    ``merged_ids`` are the records that get ``merged_into_id = master_id``.
    """

    object_type: str
    master_id: int
    merged_ids: tuple[int, ...]
    choices: dict[str, int]
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """A merge as stored: who merged which records into which master, and ``details``
    (JSON) with everything undo needs: the master's previous values and stamps, each
    related row moved, the contact roles dropped, the duplicate reports resolved."""

    object_type: str
    master_id: int
    merged_ids: tuple[int, ...]
    merged_by_id: int
    merged_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    undone_at: datetime | None = None
    undone_by_id: int | None = None


def is_empty(value: object) -> bool:
    """Whether a value counts as not filled in: nothing, blank text, or an unset flag."""
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def default_choices(object_type: str, records: Sequence[Any], master_id: int) -> dict[str, int]:
    """For each field, the record whose value wins when the user does not choose: the
    master when its value is filled in, else the first other record that has one."""
    ordered = sorted(records, key=lambda r: r.id != master_id)
    ids = {r.id for r in records}
    chosen: dict[str, int] = {}
    for spec in MERGE_FIELDS[object_type]:
        usable = [r for r in ordered if _usable(spec, getattr(r, spec.column), ids)]
        allowed = [r for r in ordered if not _loops(spec, getattr(r, spec.column), ids)]
        chosen[spec.name] = (usable or allowed or ordered)[0].id
    return chosen


def _usable(spec: MergeField, value: object, ids: set[int]) -> bool:
    return not is_empty(value) and not _loops(spec, value, ids)


def _loops(spec: MergeField, value: object, ids: set[int]) -> bool:
    """A parent among the merged records would make the master its own parent."""
    return spec.column == "parent_account_id" and value in ids


def plan_merge(
    object_type: str,
    records: Sequence[Any],
    master_id: int,
    choices: Mapping[str, int] | None = None,
) -> MergePlan:
    """Check a merge request and say what it does; raise one error naming every problem.

    ``records`` are the records to merge (the master among them); ``choices`` maps field
    names (input name or column) to the id of the record whose value wins.
    """
    if object_type not in OBJECT_TYPES:
        raise ValidationError.single(
            "object_type", "INVALID_OBJECT_TYPE", f"Must be one of: {', '.join(OBJECT_TYPES)}"
        )
    _check_records(object_type, records, master_id)
    by_id = {r.id: r for r in records}
    wanted = default_choices(object_type, records, master_id)
    wanted.update(_clean_choices(object_type, choices or {}, set(by_id)))
    master = by_id[master_id]
    changes: dict[str, tuple[Any, Any]] = {}
    for spec in MERGE_FIELDS[object_type]:
        old, new = getattr(master, spec.column), getattr(by_id[wanted[spec.name]], spec.column)
        if old != new:
            changes[spec.column] = (old, new)
    if object_type == "account":
        _check_parent(by_id[wanted["parent_account_id"]].parent_account_id, set(by_id))
    merged = tuple(r.id for r in records if r.id != master_id)
    return MergePlan(object_type, master_id, merged, wanted, changes)


def _check_records(object_type: str, records: Sequence[Any], master_id: int) -> None:
    noun = NOUNS[object_type]
    ids = [r.id for r in records]
    errors: list[FieldError] = []
    if len(set(ids)) != len(ids):
        errors.append(FieldError("ids", "DUPLICATE_ID", "Each record can be given only once"))
    if not MIN_RECORDS <= len(set(ids)) <= MAX_RECORDS:
        errors.append(FieldError("ids", "INVALID_MERGE", f"Merge 2 or 3 {noun.lower()}s"))
    if master_id not in ids:
        errors.append(
            FieldError(
                "master_id",
                "INVALID_MERGE",
                f"The master must be one of the {noun.lower()}s merged",
            )
        )
    for record in records:
        if record.merged_into_id is not None:
            errors.append(
                FieldError(
                    "ids",
                    "ALREADY_MERGED",
                    f"{noun} {record.id} is already merged into {record.merged_into_id}",
                )
            )
    converted = [r.id for r in records if getattr(r, "is_converted", False)]
    if converted:
        raise ConvertedLeadError(
            f"Converted leads cannot be merged: {', '.join(map(str, converted))}",
            fields=[
                FieldError("ids", ConvertedLeadError.code, f"Lead {i} is converted")
                for i in converted
            ]
            + errors,
        )
    if errors:
        raise ValidationError(errors)


def _clean_choices(object_type: str, choices: Mapping[str, int], ids: set[int]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    errors: list[FieldError] = []
    names = ", ".join(f.name for f in MERGE_FIELDS[object_type])
    for name, record_id in choices.items():
        spec = merge_field(object_type, name)
        if spec is None:
            errors.append(
                FieldError(
                    f"choices.{name}",
                    "INVALID_FIELD",
                    f"No such {object_type} field to merge (one of: {names})",
                )
            )
        elif record_id not in ids:
            errors.append(
                FieldError(
                    f"choices.{name}",
                    "INVALID_CHOICE",
                    f"Must be the id of one of the merged records "
                    f"({', '.join(map(str, sorted(ids)))})",
                )
            )
        else:
            cleaned[spec.name] = record_id
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_parent(parent_id: int | None, ids: set[int]) -> None:
    if parent_id in ids:
        raise ValidationError.single(
            "choices.parent_account_id",
            "CIRCULAR_DEPENDENCY",
            f"Account {parent_id} is one of the merged accounts: the master cannot be its "
            "own parent",
        )
