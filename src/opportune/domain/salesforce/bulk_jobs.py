"""Bulk API 2.0 ingest jobs: their states, what a client may ask for, and row error text.

A job is created ``Open``, receives its CSV, and is closed by the client
(``UploadComplete``); Opportune then works through it (``InProgress``) to
``JobComplete`` or ``Failed``. A client may abort it (``Aborted``) until it ends. These
rules are Salesforce's, so that clients written against Salesforce behave the same here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from opportune.errors import ConflictError, FieldError, ValidationError

__all__ = [
    "BULK_OBJECTS",
    "DELIMITERS",
    "FINISHED",
    "LINE_ENDINGS",
    "OPERATIONS",
    "JobSpec",
    "JobState",
    "check_transition",
    "job_spec",
    "row_error",
]

BULK_OBJECTS = ("Lead", "Account", "Contact", "Opportunity", "Task")
OPERATIONS = ("insert", "update", "upsert", "delete")
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
DELIMITERS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t", "PIPE": "|", "CARET": "^",
              "BACKQUOTE": "`"}  # fmt: skip
INVALID_STATE = "INVALIDJOBSTATE"


class JobState(StrEnum):
    """Where an ingest job stands."""

    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"


FINISHED = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})
# Moves a job may make, and which of them a client may ask for (PATCH state).
_ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.OPEN: frozenset({JobState.UPLOAD_COMPLETE, JobState.ABORTED, JobState.FAILED}),
    JobState.UPLOAD_COMPLETE: frozenset(
        {JobState.IN_PROGRESS, JobState.ABORTED, JobState.FAILED, JobState.JOB_COMPLETE}
    ),
    JobState.IN_PROGRESS: frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED}),
    JobState.JOB_COMPLETE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.ABORTED: frozenset(),
}
CLIENT_STATES = frozenset({JobState.UPLOAD_COMPLETE, JobState.ABORTED})
# A job being worked on cannot be deleted (its files are in use); Salesforce says the same.
DELETABLE = frozenset({JobState.OPEN, *FINISHED})


def check_transition(current: str, wanted: str, *, by_client: bool = False) -> JobState:
    """The state ``wanted`` as a :class:`JobState`, when a job in ``current`` may move
    there (``by_client``: as asked by a PATCH); else the error Salesforce gives."""
    try:
        target = JobState(wanted)
    except ValueError:
        raise ValidationError.single(
            "state", "INVALIDJOBSTATE", f"Invalid state: {wanted}"
        ) from None
    if by_client and target not in CLIENT_STATES:
        raise ValidationError.single(
            "state", INVALID_STATE, f"A client can only set the state to UploadComplete or "
            f"Aborted, not {wanted}",
        )  # fmt: skip
    if target not in _ALLOWED[JobState(current)]:
        raise ConflictError(
            f"Cannot change the job's state from {current} to {wanted}", code=INVALID_STATE
        )
    return target


def check_deletable(state: str) -> None:
    """Refuse to delete a job that is being worked on."""
    if JobState(state) not in DELETABLE:
        raise ConflictError(f"A job in state {state} cannot be deleted", code=INVALID_STATE)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a client asked for when creating a job (checked)."""

    object_name: str
    operation: str
    external_id_field: str | None
    line_ending: str
    column_delimiter: str

    @property
    def delimiter(self) -> str:
        """The column delimiter character."""
        return DELIMITERS[self.column_delimiter]


def job_spec(body: Mapping[str, Any], external_ids: Mapping[str, Sequence[str]]) -> JobSpec:
    """The job a create request asks for, or every problem with it. ``external_ids``
    lists the external-id fields of each object (an upsert must name one)."""
    errors: list[FieldError] = []
    name = _text(body, "object")
    known = {o.lower(): o for o in BULK_OBJECTS}
    object_name = known.get(name.lower(), "")
    if not object_name:
        errors.append(_bad("object", f"Entity '{name}' is not supported by the Bulk API"))
    operation = _choice(body, "operation", OPERATIONS, None, errors)
    content = _text(body, "contentType") or "CSV"
    if content != "CSV":
        errors.append(_bad("contentType", f"Content type {content} is not supported: use CSV"))
    line_ending = _choice(body, "lineEnding", tuple(LINE_ENDINGS), "LF", errors)
    delimiter = _choice(body, "columnDelimiter", tuple(DELIMITERS), "COMMA", errors)
    external = _external_id(body, operation, external_ids.get(object_name, ()), errors)
    if errors:
        raise ValidationError(errors)
    return JobSpec(object_name, operation, external, line_ending, delimiter)


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    return value.strip() if isinstance(value, str) else ""


def _bad(field: str, message: str, code: str = "INVALIDJOB") -> FieldError:
    return FieldError(field, code, message)


def _choice(
    body: Mapping[str, Any], key: str, choices: Sequence[str], default: str | None,
    errors: list[FieldError],
) -> str:  # fmt: skip
    given = _text(body, key)
    if not given and default is not None:
        return default
    found = next((c for c in choices if c.lower() == given.lower()), None)
    if found is None:
        errors.append(_bad(key, f"Invalid {key} '{given}': use one of {', '.join(choices)}"))
        return default or ""
    return found


def _external_id(
    body: Mapping[str, Any], operation: str, fields: Sequence[str], errors: list[FieldError]
) -> str | None:
    given = _text(body, "externalIdFieldName")
    if operation != "upsert":
        return None
    if not given:
        errors.append(_bad("externalIdFieldName", "An upsert job needs externalIdFieldName"))
        return None
    found = next((f for f in fields if f.lower() == given.lower()), None)
    if found is None:
        message = f"Field '{given}' is not an external id field"
        errors.append(_bad("externalIdFieldName", message))
    return found


def row_error(errors: Sequence[FieldError]) -> str:
    """A failed row's ``sf__Error`` text, as Salesforce writes it:
    ``CODE:message:Field1 Field2 --``. Missing required fields are reported together."""
    if not errors:
        return "UNKNOWN_EXCEPTION:The row could not be saved: --"
    missing = [e.field for e in errors if e.code == "REQUIRED_FIELD_MISSING"]
    if missing:
        listed = ", ".join(missing)
        return (
            f"REQUIRED_FIELD_MISSING:Required fields are missing: [{listed}]:{' '.join(missing)} --"
        )
    first = errors[0]
    fields = " ".join(e.field for e in errors if e.code == first.code and e.field)
    return f"{first.code}:{first.message}:{fields} --"
