"""One row of a Salesforce data export, as Opportune input.

A weekly export holds one CSV per object with Salesforce API field names as headers.
:func:`plan_columns` decides once per file which columns are imported (the object's
writable fields in :mod:`~opportune.domain.salesforce.objects`, plus the few the import
reads itself) and which are ignored and reported. :func:`read_row` turns a row into
service input: plain values by Opportune input name, references as 18-character
Salesforce ids still to resolve, the lead's conversion, and notes on values it changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from opportune.domain.picklists import match_choice
from opportune.domain.salesforce.ids import id_object, to_18
from opportune.domain.salesforce.objects import SfField, SObject
from opportune.errors import FieldError

__all__ = [
    "IMPORT_ORDER",
    "ColumnPlan",
    "Conversion",
    "ExportRow",
    "ValueNote",
    "export_columns",
    "parse_moment",
    "plan_columns",
    "read_row",
]

# Parents before children: owners, then accounts, their contacts and opportunities, then
# leads (a converted lead points at all three), then tasks (on any of them).
IMPORT_ORDER = ("User", "Account", "Contact", "Opportunity", "Lead", "Task")
# Read by the import itself, or worked out by Opportune: never reported as ignored.
_READ = frozenset({"id", "isdeleted", "createddate"})
_DERIVED = frozenset(
    {"name", "lastmodifieddate", "systemmodstamp", "createdbyid", "lastmodifiedbyid",
     "lastactivitydate", "isunreadbyowner", "expectedrevenue", "isclosed", "iswon"}
)  # fmt: skip
_CONVERSION = ("IsConverted", "ConvertedDate", "ConvertedAccountId", "ConvertedContactId",
               "ConvertedOpportunityId")  # fmt: skip
_USER_COLUMNS = frozenset({"email", "username", "firstname", "lastname", "isactive"})
_USER_EXPORT = ("Id", "Username", "Email", "LastName", "IsActive")
# Set on the record by the import itself (the ``Id`` column is the Salesforce id).
_KEY_INPUTS = frozenset({"external_id", "salesforce_id", "currency_code"})
# Salesforce's task statuses: only Completed is closed; Opportune has Open and Completed.
_TASK_DONE = "completed"
_WHO = {"Lead": "lead_id", "Contact": "contact_id"}
_WHAT = {"Account": "account_id", "Opportunity": "opportunity_id"}
# What one kind of activity has that the other has not.
_ONLY = {"task": ("due_date", "status", "priority"), "call": ("call_duration_minutes",)}
_TRUE = frozenset({"true", "1", "yes"})
# A row's value by column name, any case, blank as None.
_Get = Callable[[str], str | None]
_WHOLE = re.compile(r"-?\d+\.0*")


@dataclass(frozen=True, slots=True)
class ValueNote:
    """A value the import could not keep as it was: ``action`` says what it did instead."""

    field: str
    value: str
    action: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a lead exported as converted was converted into (18-character ids)."""

    converted_date: date | None
    account: str | None
    contact: str | None
    opportunity: str | None


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """How the columns of one export file are used: ``fields`` by header, the rest ignored."""

    sobject: SObject
    fields: dict[str, SfField]
    extra: frozenset[str]
    ignored: tuple[str, ...]


@dataclass(slots=True)
class ExportRow:
    """One export row as Opportune input.

    ``values`` are service inputs by name; ``references`` map an input (``owner_id``,
    ``account_id``, ``lead_id``, ...) to the 18-character Salesforce id of the record it
    points at; ``flags`` keep Salesforce's ``IsClosed``/``IsWon`` (to place an unknown
    stage) and ``IsActive``; ``problems`` make the row fail.
    """

    salesforce_id: str | None
    values: dict[str, object] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    is_deleted: bool = False
    created_at: datetime | None = None
    conversion: Conversion | None = None
    notes: list[ValueNote] = field(default_factory=list)
    problems: list[FieldError] = field(default_factory=list)


def plan_columns(sobject: SObject, headers: list[str]) -> ColumnPlan:
    """Which of ``headers`` the import uses for ``sobject`` and which it ignores."""
    fields: dict[str, SfField] = {}
    extra: set[str] = set()
    ignored: list[str] = []
    for header in headers:
        name = header.strip()
        found = sobject.field(name)
        if sobject.name == "User":
            used = name.lower() in _USER_COLUMNS
        elif found is not None and found.input is not None and found.input not in _KEY_INPUTS:
            fields[header] = found
            continue
        else:
            used = _special(sobject, name)
        if used or name.lower() in _READ or name.lower() in _DERIVED:
            extra.add(header)
        else:
            ignored.append(name)
    return ColumnPlan(sobject, fields, frozenset(extra), tuple(ignored))


def _special(sobject: SObject, name: str) -> bool:
    """Columns read outside the field mapping: conversion, external id, currency."""
    if sobject.name == "Lead" and name in _CONVERSION:
        return True
    return name in ("External_Id__c", "CurrencyIsoCode", "Salesforce_Id__c")


def export_columns(sobject: SObject) -> list[str]:
    """The columns of an export of ``sobject`` that this import reads, in field order
    (what Opportune writes when it exports its records in Salesforce's shape)."""
    if sobject.name == "User":
        return list(_USER_EXPORT)
    wanted = _READ | {name.lower() for name in _CONVERSION} | {"isclosed", "iswon"}
    return [
        f.name
        for f in sobject.fields
        if f.name.lower() in wanted
        or f.name in ("External_Id__c", "Salesforce_Id__c")
        or (f.input is not None and f.input not in _KEY_INPUTS)
    ]


def read_row(plan: ColumnPlan, row: Mapping[str, str | None]) -> ExportRow:
    """Turn one export row into Opportune input (see :class:`ExportRow`)."""
    get = _getter(row)
    out = ExportRow(salesforce_id=to_18(get("Id") or ""))
    if out.salesforce_id is None or out.salesforce_id[:3] != plan.sobject.prefix:
        message = f"{get('Id')!r} is not a valid {plan.sobject.name} id"
        out.problems.append(FieldError("Id", "MALFORMED_ID", message))
    out.is_deleted = (get("IsDeleted") or "").lower() in _TRUE
    out.created_at = parse_moment(get("CreatedDate"))
    if plan.sobject.name == "User":
        _read_user(get, out)
        return out
    for header, sf_field in plan.fields.items():
        _read_field(sf_field, _blank_to_none(row.get(header)), out)
    for flag in ("IsClosed", "IsWon"):
        if get(flag) is not None:
            out.flags[flag] = (get(flag) or "").lower() in _TRUE
    if get("External_Id__c"):
        out.keys["external_id"] = str(get("External_Id__c"))
    if plan.sobject.name == "Lead":
        out.conversion = _conversion(get, out)
    if plan.sobject.name == "Task":
        _shape_task(out)
    return out


def _getter(row: Mapping[str, str | None]) -> _Get:
    lowered = {k.strip().lower(): v for k, v in row.items() if k is not None}
    return lambda name: _blank_to_none(lowered.get(name.lower()))


def _blank_to_none(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _read_user(get: _Get, out: ExportRow) -> None:
    email = get("Email") or get("Username")
    full = " ".join(p for p in (get("FirstName"), get("LastName")) if p) or get("Name") or email
    out.values = {"email": email, "name": full}
    out.flags["IsActive"] = (get("IsActive") or "true").lower() in _TRUE


def _read_field(sf_field: SfField, raw: str | None, out: ExportRow) -> None:
    """One column's value into ``out``: a reference, a fixed choice, or a plain value."""
    assert sf_field.input is not None
    if sf_field.type == "reference":
        _read_reference(sf_field, raw, out)
    elif raw is not None and isinstance(sf_field.picklist, tuple):
        out.values[sf_field.input] = _choice(sf_field, raw, out)
    else:
        out.values[sf_field.input] = _plain(sf_field.type, raw)


def _plain(kind: str, raw: str | None) -> object:
    if raw is None:
        return None
    if kind == "boolean":
        return raw.lower() in _TRUE
    if kind == "date":
        return raw[:10]  # a datetime exported for a date field keeps its day
    if kind in ("int", "percent") and _WHOLE.fullmatch(raw):
        return raw.split(".")[0]  # "12.0" as exported for a number field
    return raw


def _choice(sf_field: SfField, raw: str, out: ExportRow) -> str | None:
    """A fixed picklist's value in Opportune's spelling; unknown ones are noted."""
    assert isinstance(sf_field.picklist, tuple)
    if sf_field.name == "Status":  # the task's: the lead's comes from a table
        mapped = "Completed" if raw.lower() == _TASK_DONE else "Open"
        if raw != mapped:
            out.notes.append(ValueNote(sf_field.name, raw, f"imported as {mapped}"))
        return mapped
    if sf_field.input == "kind":
        return "call" if raw.lower() == "call" else "task"
    found = match_choice(sf_field.picklist, raw)
    if found is None:
        fallback = "Normal" if sf_field.name == "Priority" else None
        action = f"imported as {fallback}" if fallback else "left empty"
        out.notes.append(ValueNote(sf_field.name, raw, action))
        return fallback
    return found


def _read_reference(sf_field: SfField, raw: str | None, out: ExportRow) -> None:
    assert sf_field.input is not None
    if raw is None:
        if sf_field.input not in ("who", "what"):
            out.values[sf_field.input] = None
        return
    full = to_18(raw)
    target = id_object(raw) if full else None
    inputs = {"who": _WHO, "what": _WHAT}.get(sf_field.input)
    if inputs is None:
        if full is None or target not in sf_field.reference_to:
            message = f"{raw!r} is not a valid {sf_field.reference_to[0]} id"
            out.problems.append(FieldError(sf_field.name, "MALFORMED_ID", message))
            return
        out.references[sf_field.input] = full
    elif full is not None and target in inputs:
        out.references[inputs[target]] = full
    else:
        kinds = " or ".join(inputs)
        out.notes.append(ValueNote(sf_field.name, raw, f"not imported: not a {kinds} id"))


def _conversion(get: _Get, out: ExportRow) -> Conversion | None:
    if (get("IsConverted") or "").lower() not in _TRUE:
        return None
    ids = {}
    for name in ("ConvertedAccountId", "ConvertedContactId", "ConvertedOpportunityId"):
        raw = get(name)
        ids[name] = to_18(raw) if raw else None
        if raw and ids[name] is None:
            out.problems.append(FieldError(name, "MALFORMED_ID", f"{raw!r} is not a valid id"))
    day = get("ConvertedDate")
    return Conversion(
        converted_date=_day(day), account=ids["ConvertedAccountId"],
        contact=ids["ConvertedContactId"], opportunity=ids["ConvertedOpportunityId"],
    )  # fmt: skip


def _shape_task(out: ExportRow) -> None:
    """Calls have no due date, status or priority in Opportune, tasks no call duration;
    both need a subject."""
    kind = out.values.setdefault("kind", "task")
    for name in _ONLY["call" if kind == "task" else "task"]:
        out.values.pop(name, None)
    if not out.values.get("subject"):
        out.values["subject"] = "(no subject)"
        out.notes.append(ValueNote("Subject", "", "imported as (no subject)"))


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def parse_moment(raw: str | None) -> datetime | None:
    """A Salesforce datetime (``2026-11-28T09:00:00.000+0000``, ``...Z``, or a plain day) in
    UTC; None when empty or unreadable."""
    if not raw:
        return None
    text = raw.strip().replace("Z", "+00:00")
    if re.fullmatch(r".*[+-]\d{4}", text):
        text = text[:-2] + ":" + text[-2:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
