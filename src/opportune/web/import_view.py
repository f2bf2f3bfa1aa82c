"""What the import pages show: field choices per kind of record, the mapping form's values,
and a job's progress in words (percent, rate, time left)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData

from opportune.api.schemas.imports import ImportOut, job_out
from opportune.domain.imports.columns import SPECS, ColumnMapping, map_columns
from opportune.services.imports import ImportJob

KINDS: tuple[tuple[str, str], ...] = (
    ("lead", "Leads"),
    ("account", "Accounts"),
    ("contact", "Contacts"),
    ("opportunity", "Opportunities"),
)
KIND_NAMES = dict(KINDS)
DUPLICATES = (
    ("skip", "Skip the row (keep the existing record as it is)"),
    ("update", "Update the existing record with the row's values"),
    ("create", "Import the row anyway, as a new record"),
)
DATE_FORMATS = (
    ("auto", "Work it out from the file"),
    ("dmy", "Day first: 03/04/2026 is 3 April"),
    ("mdy", "Month first: 03/04/2026 is March 4"),
)
ENCODINGS = (
    ("utf-8", "UTF-8 (with or without BOM)"),
    ("cp1252", "Windows-1252 (Western European Excel)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16 (Excel 'Unicode text')"),
)
_SPECIAL_LABELS = {
    "owner_id": "Owner (email or id)",
    "account_id": "Account (id or name)",
    "parent_account_id": "Parent account (id)",
    "number_of_employees": "Employees",
}
STATUS_NAMES = {
    "pending": "Waiting to start",
    "running": "Running",
    "interrupted": "Interrupted",
    "completed": "Completed",
    "failed": "Failed",
    "reverted": "Reverted",
}


def field_choices(object_type: str) -> list[tuple[str, str]]:
    """The fields a column of ``object_type`` can fill, as (name, label), required first."""
    spec = SPECS[object_type]
    labelled = [(f.name, _label(f.name) + (" *" if f.required else "")) for f in spec.fields]
    return sorted(labelled, key=lambda pair: not spec.get(pair[0]).required)  # type: ignore[union-attr]


def auto_mapping(object_type: str, headers: Sequence[str]) -> dict[str, str | None]:
    """Each header's field as matched by name (empty when two headers claim one field)."""
    found = map_columns(object_type, headers)
    if not isinstance(found, ColumnMapping):
        return {}
    return {h: found.fields.get(i) for i, h in enumerate(headers)}


def _label(name: str) -> str:
    return _SPECIAL_LABELS.get(name) or name.replace("_", " ").capitalize()


@dataclass
class MappingForm:
    """The mapping step's choices, as the form posted them (or their defaults)."""

    object_type: str
    token: str
    file_name: str
    mapping: dict[str, str | None] = field(default_factory=dict)
    saved_mapping: str = ""
    save_as: str = ""
    duplicates: str = "skip"
    all_or_none: bool = False
    assign: bool = True
    encoding: str = "utf-8"
    date_format: str = "auto"

    @classmethod
    def from_form(cls, form: FormData | Mapping[str, Any], headers: Sequence[str]) -> MappingForm:
        """The choices of a posted mapping form; ``col_N`` is the field of header N
        (empty: ignore the column)."""
        text = {k: v for k, v in form.items() if isinstance(v, str)}
        mapping = {h: (text.get(f"col_{i}") or None) for i, h in enumerate(headers)}
        return cls(
            object_type=text.get("object_type", ""), token=text.get("upload", ""),
            file_name=text.get("file_name", ""), mapping=mapping,
            saved_mapping=text.get("saved_mapping", "").strip(),
            save_as=text.get("save_as", "").strip(),
            duplicates=text.get("duplicates", "skip"),
            all_or_none=text.get("all_or_none") in ("on", "true", "1"),
            assign=text.get("assign") in ("on", "true", "1"),
            encoding=text.get("encoding", "utf-8") or "utf-8",
            date_format=text.get("date_format", "auto"),
        )  # fmt: skip

    def start_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``core.imports.start``."""
        return {
            "file_name": self.file_name or None, "encoding": self.encoding,
            "mapping": self.mapping, "duplicates": self.duplicates,
            "all_or_none": self.all_or_none, "assign": self.assign,
            "date_format": self.date_format,
        }  # fmt: skip


@dataclass(frozen=True)
class JobView:
    """An import as its page shows it."""

    job: ImportJob
    out: ImportOut
    kind_name: str
    status_name: str
    rate_text: str
    eta_text: str

    @property
    def finished(self) -> bool:
        """True when nothing more will happen to it (the page stops polling)."""
        return self.job.is_finished

    @property
    def can_revert(self) -> bool:
        """A completed import that created records can be reverted."""
        return self.job.status == "completed" and self.job.created_count > 0

    @property
    def can_resume(self) -> bool:
        """An interrupted (or stalled) import can be resumed."""
        return self.job.status in ("interrupted", "pending")


def job_view(job: ImportJob, progress: Any | None, now: datetime, errors_url: str) -> JobView:
    """The job with its rate and time left in words."""
    out = job_out(job, progress, now, errors_url)
    rate = f"{out.rate:,.0f} rows/s" if out.rate else "—"
    return JobView(
        job, out, KIND_NAMES.get(job.object_type, job.object_type),
        STATUS_NAMES.get(job.status, job.status), rate, _duration(out.eta_seconds),
    )  # fmt: skip


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
