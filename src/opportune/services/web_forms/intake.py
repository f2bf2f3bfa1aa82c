"""Turning an accepted web-to-lead post into a lead, or a task on the lead it duplicates.

Everything here runs inside the caller's unit of work; nothing commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from opportune.domain.activities import ActivityKind, new_activity
from opportune.domain.leads import Lead, new_lead
from opportune.domain.web_form_snippet import FIELD_LABELS
from opportune.domain.web_forms import (
    CONTROL_FIELDS,
    DuplicateHandling,
    SubmissionStatus,
    WebForm,
    WebFormSubmission,
    map_posted_fields,
    posted_field_errors,
)
from opportune.errors import FieldError, ValidationError
from opportune.services.assignment import apply_assignment
from opportune.services.duplicate_checks import write_reports
from opportune.services.duplicates import DuplicateCandidate, load_checker
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork

DESCRIPTION_MAX = 32000
_SCALARS = (str, int, float, bool)


def payload_errors(payload: Mapping[str, object]) -> list[FieldError]:
    """Values a lead field cannot hold at all (a JSON list or object, say)."""
    return [
        FieldError(name, "INVALID_TYPE", "Must be text, a number or true/false")
        for name, value in payload.items()
        if value is not None and not isinstance(value, _SCALARS)
    ]


def build_lead(
    uow: UnitOfWork, form: WebForm, payload: Mapping[str, object], now: datetime
) -> Lead:
    """The (unsaved) lead a post describes, with the form's defaults and owner.

    Raises :class:`ValidationError` naming the fields as they were posted.
    """
    errors = payload_errors(payload)
    if errors:
        raise ValidationError(errors)
    posted = map_posted_fields(payload, form.defaults)
    values = {**posted.values, "owner_id": fallback_owner(uow, form)}
    try:
        lead = new_lead(
            values, picklists=load_lead_picklists(uow), actor_id=form.created_by_id, now=now
        )
    except ValidationError as exc:
        raise ValidationError(posted_field_errors(exc.fields)) from exc
    lead.is_unread_by_owner = True  # nobody has seen a web lead yet
    return lead


def fallback_owner(uow: UnitOfWork, form: WebForm) -> int:
    """Who owns the form's leads when no assignment rule decides.

    The form's owner, else its creator; if both were deactivated, the first active
    administrator, so that a post is never refused for a reason the visitor cannot fix.
    """
    candidates = [c for c in (form.owner_id, form.created_by_id) if c is not None]
    active = uow.users.existing_active_ids(candidates)
    for candidate in candidates:
        if candidate in active:
            return candidate
    users = uow.users.all()
    admins = sorted(u.id for u in users if u.is_admin and u.is_active and u.id is not None)
    return admins[0] if admins else form.created_by_id


def process(uow: UnitOfWork, form: WebForm, submission: WebFormSubmission, now: datetime) -> None:
    """Make the lead (or the task on a duplicate) of one accepted submission.

    Sets the submission's status, lead and processing time; an invalid post (a picklist
    value removed since it was queued, say) becomes *rejected* with the reason.
    """
    submission.processed_at = now
    try:
        lead = build_lead(uow, form, submission.payload, now)
    except ValidationError as exc:
        submission.status = SubmissionStatus.REJECTED
        submission.error = exc.message
        return
    candidates = _duplicates(uow, lead)
    blocked = any(c.action == "block" for c in candidates)
    attach = blocked or form.duplicate_action is DuplicateHandling.ATTACH
    if candidates and attach and _attach(uow, form, submission, candidates, now):
        return
    if form.use_assignment_rule:
        apply_assignment(uow, [lead], now=now)
    lead.id = uow.leads.add(lead)
    submission.lead_id = lead.id
    submission.status = SubmissionStatus.FLAGGED if candidates else SubmissionStatus.CREATED
    if candidates:
        write_reports(uow, "lead", {lead.id: candidates}, actor_id=form.created_by_id, now=now)


def _duplicates(uow: UnitOfWork, lead: Lead) -> list[DuplicateCandidate]:
    """The existing leads and contacts the duplicate rules match (rules that *allow* aside)."""
    found = load_checker(uow, "lead").find([dataclasses.asdict(lead)])[0]
    return [c for c in found if c.action != "allow"]


def _attach(
    uow: UnitOfWork,
    form: WebForm,
    submission: WebFormSubmission,
    candidates: Sequence[DuplicateCandidate],
    now: datetime,
) -> bool:
    """Put the post on the best matching record as a task for its owner; False if none fits."""
    ranked = sorted(candidates, key=lambda c: (c.object_type != "lead", -float(c.score)))
    for candidate in ranked:
        target = _live_record(uow, candidate.object_type, candidate.record_id)
        if target is None:
            continue
        relation, record_id, owner_id = target
        task = new_activity(
            {
                "kind": ActivityKind.TASK.value,
                "subject": f"Follow up: new enquiry through web form {form.name}"[:255],
                "description": describe(submission),
                "due_date": now.date().isoformat(),
                "owner_id": owner_id,
                relation: record_id,
            },
            actor_id=form.created_by_id,
            now=now,
        )
        uow.activities.add(task)
        submission.status = SubmissionStatus.ATTACHED
        submission.lead_id = record_id if relation == "lead_id" else None
        submission.error = f"Duplicate of {candidate.object_type} {candidate.record_id}"
        return True
    return False


def _live_record(uow: UnitOfWork, object_type: str, record_id: int) -> tuple[str, int, int] | None:
    """(relation field, id, owner) of the record a task can go on: a merged lead's master,
    a converted lead's contact."""
    if object_type == "contact":
        contact = uow.contacts.get(record_id)
        return (
            None
            if contact is None or contact.id is None
            else ("contact_id", contact.id, contact.owner_id)
        )
    lead = uow.leads.get(record_id)
    if lead is not None and lead.merged_into_id is not None:
        lead = uow.leads.get(lead.merged_into_id)
    if lead is None or lead.id is None:
        return None
    if lead.is_converted:
        if lead.converted_contact_id is None:
            return None
        return _live_record(uow, "contact", lead.converted_contact_id)
    return ("lead_id", lead.id, lead.owner_id)


def describe(submission: WebFormSubmission) -> str:
    """The submitted data as readable lines, for the task on a duplicate."""
    lines = [f"Received {submission.received_at:%Y-%m-%d %H:%M} UTC from {submission.ip}.", ""]
    for name, value in submission.payload.items():
        if name in CONTROL_FIELDS or value in (None, ""):
            continue
        lines.append(f"{FIELD_LABELS.get(name, name)}: {value}")
    return "\n".join(lines)[:DESCRIPTION_MAX]
