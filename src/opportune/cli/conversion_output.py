"""Lead conversion as the CLI prints it: the preview, the result, the record, and undo.

``--json`` prints the REST API's shapes (plus names where people need them); tables and
panels show ids as names and labels, and every field a merge fills as before → after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opportune.cli.output import EMPTY, note, print_record, print_table, show
from opportune.cli.presenters import Session
from opportune.domain.conversion import ConversionPlan, ConversionRecord, RecordPlan
from opportune.domain.leads import Lead, LeadPicklists
from opportune.errors import FieldError
from opportune.services.conversions import ConversionResult, ConversionSuggestions, UndoResult

__all__ = [
    "KINDS",
    "converted_json",
    "plan_json",
    "print_conversion",
    "print_converted",
    "print_plan",
    "print_suggestions",
    "print_undo",
    "record_json",
    "result_json",
    "suggestions_json",
    "undo_json",
]

KINDS = ("account", "contact", "opportunity")
# Field labels where the name alone would say less than the value shown.
LABELS = {
    ("account", "source_id"): "account source", ("contact", "source_id"): "lead source",
    ("opportunity", "lead_source_id"): "lead source", ("lead", "source_id"): "lead source",
}  # fmt: skip


def lead_title(lead: Lead) -> str:
    """``lead 12 · Mei Ng (Acme Corp)``."""
    return f"lead {lead.id} · {lead.name} ({lead.company})"


def record_title(s: Session, kind: str, record_id: int | None) -> str:
    """``account 3 · Acme`` (just the id once the record is gone)."""
    name = s.name_of(kind, record_id)
    return f"{kind} {record_id}" + (f" · {name}" if name else "")


def shown_value(s: Session, name: str, value: object) -> object:
    """A field's value as people read it: users, lead sources and stages by name."""
    lookups: dict[str, Callable[[int], object]] = {
        "owner_id": s.user_name, "source_id": s.source, "lead_source_id": s.source,
        "stage_id": lambda i: s.lookups.pipeline.stage(i).label,
    }  # fmt: skip
    if isinstance(value, int) and not isinstance(value, bool) and name in lookups:
        return lookups[name](value) or value
    return value


def field_label(kind: str, name: str) -> str:
    """``billing_city`` → ``billing city``."""
    return LABELS.get((kind, name), name.removesuffix("_id").replace("_", " "))


# --- the preview -------------------------------------------------------------------------


def print_plan(s: Session, lead: Lead, plan: ConversionPlan, picklists: LeadPicklists) -> None:
    """What converting would do: each record created or merged, the fields merges fill
    (before → after), the status and owner, activities that move, and unmapped values."""
    plans = (plan.account, plan.contact, plan.opportunity)
    rows = [_plan_row(s, p) for p in plans if p is not None]
    if plan.opportunity is None:
        rows.append(("opportunity", "none", None, "(no opportunity is created)"))
    note(f"Converting {lead_title(lead)} would:", style="bold")
    print_table(("Record", "Action", "ID", "Name"), rows)
    for merge in (p for p in plans if p is not None and not p.creates):
        fills = {name: (merge.previous.get(name), v) for name, v in merge.values.items()}
        _print_fills(s, merge.kind, merge.record_id, fills)
    status = picklists.status(plan.status_id).label
    note(f"Status: {status} · owner of new records: {s.user_name(plan.owner_id) or plan.owner_id}")
    note(_moves(plan))
    print_unmapped(s, plan.unmapped)
    note("Preview only: nothing was changed.", style="dim")


def _plan_row(s: Session, plan: RecordPlan) -> tuple[object, ...]:
    if plan.creates:
        return (plan.kind, "create", None, _new_name(plan))
    return (plan.kind, "merge into", plan.record_id, s.name_of(plan.kind, plan.record_id))


def _new_name(plan: RecordPlan) -> object:
    values = plan.values
    if plan.kind == "contact":
        return " ".join(str(v) for v in (values.get("first_name"), values.get("last_name")) if v)
    return values.get("name")


def _moves(plan: ConversionPlan) -> str:
    moved = len(plan.activities)
    handed = sum(1 for m in plan.activities if m.owner_id is not None)
    text = f"Activities moved to the new records: {moved}"
    return text + (
        f" ({handed} open task{'s' if handed != 1 else ''} change owner)" if handed else ""
    )


def _print_fills(
    s: Session, kind: str, record_id: int | None, fields: Mapping[str, tuple[object, object]]
) -> None:
    """The fields a merge fills on an existing record, each as before → after."""
    title = record_title(s, kind, record_id)
    if not fields:
        note(f"Merging changes no field of {title}.")
        return
    rows = [(field_label(kind, name), show(shown_value(s, name, before)) + " → "
             + show(shown_value(s, name, after)))
            for name, (before, after) in fields.items()]  # fmt: skip
    note(f"Fields filled on {title}:", style="bold")
    print_table(("Field", "Before → after"), rows)


def print_unmapped(s: Session, unmapped: Mapping[str, object]) -> None:
    """The lead's values no record receives (they stay on the lead)."""
    if not unmapped:
        return
    rows = [(field_label("lead", n), shown_value(s, n, v)) for n, v in unmapped.items()]
    note("Kept on the lead only (no record receives them):", style="bold")
    print_table(("Field", "Value"), rows)


def plan_json(plan: ConversionPlan) -> dict[str, Any]:
    """The plan in the REST API's preview shape."""
    return {
        "lead_id": plan.lead_id, "status_id": plan.status_id, "owner_id": plan.owner_id,
        "converted_date": plan.converted_date, "account": _plan_json(plan.account),
        "contact": _plan_json(plan.contact), "opportunity": _plan_json(plan.opportunity),
        "primary_role": plan.primary_role,
        "activity_ids": [m.activity_id for m in plan.activities], "unmapped": plan.unmapped,
    }  # fmt: skip


def _plan_json(plan: RecordPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {"action": plan.action, "record_id": plan.record_id, "values": plan.values,
            "previous": plan.previous}  # fmt: skip


# --- duplicates --------------------------------------------------------------------------


def print_suggestions(found: ConversionSuggestions, *, skip: Sequence[tuple[str, int]]) -> None:
    """Existing accounts and contacts like the lead (but ``skip``), to merge into next time."""
    rows: list[tuple[object, ...]] = [
        ("account", a.account.id, a.account.name, ", ".join(a.reasons), a.exact)
        for a in found.accounts if ("account", a.account.id) not in skip
    ]  # fmt: skip
    rows += [("contact", c.contact.id, _contact_name(c.contact.name, c.account_name),
              ", ".join(c.reasons), c.exact)
             for c in found.contacts if ("contact", c.contact.id) not in skip]  # fmt: skip
    if not rows:
        return
    note("Existing records like this lead:", style="bold")
    print_table(("Record", "ID", "Name", "Why", "Exact duplicate"), rows)
    note("Merge into them with --account ID (and --contact ID).", style="dim")


def _contact_name(name: str, account_name: str | None) -> str:
    return f"{name} ({account_name})" if account_name else name


def has_exact(found: ConversionSuggestions) -> bool:
    """True when converting would create an exact duplicate of an existing record."""
    return any(a.exact for a in found.accounts) or any(c.exact for c in found.contacts)


def suggestions_json(found: ConversionSuggestions) -> dict[str, Any]:
    """The suggestions in the REST API's shape."""
    accounts = [{"id": s.account.id, "name": s.account.name, "website": s.account.website,
                 "reasons": list(s.reasons), "exact": s.exact} for s in found.accounts]  # fmt: skip
    contacts = [{"id": s.contact.id, "first_name": s.contact.first_name,
                 "last_name": s.contact.last_name, "email": s.contact.email,
                 "account_id": s.contact.account_id, "account_name": s.account_name,
                 "reasons": list(s.reasons), "exact": s.exact} for s in found.contacts]  # fmt: skip
    return {"accounts": accounts, "contacts": contacts}


# --- the result --------------------------------------------------------------------------


def result_json(result: ConversionResult) -> dict[str, Any]:
    """One lead's result in the REST API's shape."""
    return {
        "lead_id": result.lead_id, "success": result.success,
        "account_id": result.account_id, "contact_id": result.contact_id,
        "opportunity_id": result.opportunity_id,
        "errors": [error_json(e) for e in result.errors], "warnings": list(result.warnings),
    }  # fmt: skip


def error_json(error: FieldError) -> dict[str, str]:
    """A field error as the REST API shows it."""
    return {"field": error.field, "code": error.code, "message": error.message}


def converted_json(
    s: Session, result: ConversionResult, record: ConversionRecord
) -> dict[str, Any]:
    """A conversion's result with the records' names and which of them it created."""
    values = result_json(result)
    for kind in KINDS:
        values[f"{kind}_name"] = s.name_of(kind, values[f"{kind}_id"])
    values["created"] = [kind for kind in KINDS if kind in record.created]
    return values


def print_converted(
    s: Session, lead: Lead, result: ConversionResult, record: ConversionRecord
) -> None:
    """The records the lead became, each created or merged into, and any warnings."""
    values = {kind: _made(s, kind, getattr(result, f"{kind}_id"), record) for kind in KINDS}
    print_record(f"Converted {lead_title(lead)}", values)
    for warning in result.warnings:
        note(f"Warning: {warning}", style="yellow")


def _made(s: Session, kind: str, record_id: int | None, record: ConversionRecord) -> str | None:
    if record_id is None:
        return None
    how = "created" if kind in record.created else "merged into"
    return f"{record_id} · {s.name_of(kind, record_id) or EMPTY} ({how})"


# --- the conversion record ----------------------------------------------------------------


def print_conversion(
    s: Session, lead: Lead, record: ConversionRecord, picklists: LeadPicklists
) -> None:
    """What the conversion did: records created or merged into, who and when, fields filled,
    activities moved and the values kept on the lead only."""
    values: dict[str, object] = {
        "converted_at": record.converted_at,
        "converted_by": s.user_name(record.converted_by_id) or record.converted_by_id,
        "status_before": picklists.status(record.lead_status_id).label,
        **{kind: _made(s, kind, getattr(record, f"{kind}_id"), record) for kind in KINDS},
        "activities_moved": len(record.activities),
        "options": ", ".join(f"{k}={show(v)}" for k, v in record.options.items()),
    }
    print_record(f"Conversion of {lead_title(lead)}", values)
    for kind, merged in record.merged.items():
        _print_fills(s, kind, merged.record_id, merged.fields)
    print_unmapped(s, record.unmapped)


def record_json(s: Session, record: ConversionRecord) -> dict[str, Any]:
    """The conversion record in the REST API's shape, with the records' names."""
    merged = {kind: {name: {"previous": previous, "filled": filled}
                     for name, (previous, filled) in m.fields.items()}
              for kind, m in record.merged.items()}  # fmt: skip
    return {
        "lead_id": record.lead_id, "converted_at": record.converted_at,
        "converted_by_id": record.converted_by_id,
        "converted_by_name": s.user_name(record.converted_by_id),
        **{f"{kind}_{part}": value for kind in KINDS
           for part, value in _id_and_name(s, kind, getattr(record, f"{kind}_id"))},
        "created": {kind: ids[0] for kind, ids in record.created.items()}, "merged": merged,
        "activity_ids": [a.activity_id for a in record.activities], "unmapped": record.unmapped,
        "options": record.options, "undone_at": record.undone_at,
    }  # fmt: skip


def _id_and_name(s: Session, kind: str, record_id: int | None) -> tuple[tuple[str, object], ...]:
    return (("id", record_id), ("name", s.name_of(kind, record_id)))


# --- undo --------------------------------------------------------------------------------


def print_undo(s: Session, lead: Lead, result: UndoResult, status: str) -> None:
    """What undo deleted, what it kept (changed since, now detached) and why."""
    note(f"Undid the conversion of {lead_title(lead)}: its status is {status} again.")
    deleted = ", ".join(record_title(s, kind, i) for kind, i in result.deleted)
    note(f"Deleted: {deleted or 'nothing (every record was merged into or kept)'}")
    if result.kept:
        note("Kept, detached from the lead: "
             + ", ".join(record_title(s, kind, i) for kind, i in result.kept))  # fmt: skip
    if result.blockers:
        rows = [(f"{b.kind} {b.record_id}", b.message) for b in result.blockers]
        note("Left as they are (changed since the conversion):", style="bold")
        print_table(("Record", "What changed"), rows)


def undo_json(result: UndoResult) -> dict[str, Any]:
    """The undo result in the REST API's shape."""
    return {
        "lead_id": result.lead_id,
        "deleted": [{"kind": kind, "id": i} for kind, i in result.deleted],
        "kept": [{"kind": kind, "id": i} for kind, i in result.kept],
        "kept_because": [{"field": f"{b.kind}:{b.record_id}", "code": "CHANGED_SINCE_CONVERSION",
                          "message": b.message} for b in result.blockers],
    }  # fmt: skip
