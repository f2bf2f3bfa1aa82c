"""Request and response bodies of the import endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from opportune.api.schemas import RequestModel
from opportune.errors import FieldError, ValidationError

ObjectType = Literal["lead", "account", "contact", "opportunity"]
# Options sent as JSON text inside a multipart form.
JSON_FIELDS = ("mapping", "defaults", "options")
FLAG_FIELDS = ("all_or_none", "assign")


class ImportOptionsIn(RequestModel):
    """How to import the uploaded file. Send these as form fields next to ``file``, or as
    one ``options`` form field holding them as JSON (form fields win)."""

    object_type: ObjectType = Field(description="What the rows are")
    mapping: dict[str, str | None] | None = Field(
        default=None,
        description="Header -> field name (null ignores the column); other headers are "
        "matched by name. JSON text in a form field.",
    )
    saved_mapping: str | None = Field(default=None, description="Name of a saved mapping to use")
    duplicates: Literal["skip", "update", "create"] = Field(
        default="skip", description="What to do with a row matching an existing record"
    )
    all_or_none: bool = Field(default=False, description="Import nothing if any row is bad")
    assign: bool = Field(default=True, description="Leads without an owner: assignment rules")
    encoding: str = Field(default="utf-8", max_length=40, description="The file's encoding")
    date_format: Literal["auto", "dmy", "mdy"] = Field(
        default="auto", description="How to read dates like 03/04/2026"
    )
    defaults: dict[str, str] | None = Field(
        default=None, description="Field -> value for rows that leave it empty"
    )

    @classmethod
    def from_form(cls, fields: dict[str, str]) -> ImportOptionsIn:
        """The options of a multipart form; raise :class:`ValidationError` naming bad ones."""
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        if fields.get("options", "").strip():
            loaded = _json(fields["options"], "options", errors)
            if isinstance(loaded, dict):
                values.update(loaded)
            elif loaded is not None:
                errors.append(FieldError("options", "INVALID_TYPE", "Must be a JSON object"))
        for name, text in fields.items():
            if name in ("options", "csrf_token") or not text.strip():
                continue
            values[name] = _json(text, name, errors) if name in JSON_FIELDS else text
        if errors:
            raise ValidationError(errors)
        try:
            return cls.model_validate(values)
        except PydanticValidationError as exc:
            raise ValidationError([_field_error(e) for e in exc.errors()]) from None

    def start_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``core.imports.start``."""
        return self.model_dump(exclude={"object_type"})


def _json(text: str, name: str, errors: list[FieldError]) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        errors.append(FieldError(name, "JSON_PARSER_ERROR", "Must be valid JSON"))
        return None


def _field_error(error: Any) -> FieldError:
    name = ".".join(str(p) for p in error.get("loc", ())) or "options"
    kind = str(error.get("type", ""))
    code = {
        "missing": "REQUIRED_FIELD_MISSING",
        "extra_forbidden": "INVALID_FIELD",
        "literal_error": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "string_too_long": "STRING_TOO_LONG",
    }.get(kind, "INVALID_TYPE")
    message = {"missing": "Is required", "extra_forbidden": "No such option"}.get(
        kind, str(error.get("msg", "Invalid value"))
    )
    return FieldError(name, code, message)


class ImportOut(BaseModel):
    """An import: its file, options, status and counts, and how fast it is going."""

    id: int
    object_type: str
    file_name: str
    file_size: int = Field(description="Bytes")
    encoding: str
    mapping: dict[str, str | None] = Field(description="Header -> field (null: ignored)")
    options: dict[str, Any]
    status: str = Field(description="pending, running, interrupted, completed, failed or reverted")
    rows_done: int
    rows_total: int | None
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    percent: float | None = Field(description="Share of rows done, 0-100, when known")
    rate: float | None = Field(description="Rows per second")
    eta_seconds: float | None = Field(description="Seconds left, when known")
    errors_url: str | None = Field(description="The error CSV, once the import has one")
    message: str | None
    created_by_id: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reverted_at: datetime | None
    reverted_by_id: int | None
    already_done: bool = Field(
        description="True when this very file was imported before: nothing was imported again"
    )


class ImportPageOut(BaseModel):
    """A page of imports, newest first."""

    items: list[ImportOut]
    next_cursor: str | None = None


class PreviewProblem(BaseModel):
    """A problem of the file or its mapping."""

    field: str
    code: str
    message: str


class RowError(BaseModel):
    """What a sample row would be refused for."""

    line: int
    message: str


class ImportPreviewOut(BaseModel):
    """What importing the file would do: the mapping, the first rows and any problems."""

    object_type: str
    headers: list[str]
    mapping: dict[str, str | None]
    ignored: list[str]
    rows: list[dict[str, str]]
    problems: list[PreviewProblem]
    row_errors: list[RowError]


class ImportMappingIn(RequestModel):
    """A column mapping to save under a name (saving an existing name replaces it)."""

    object_type: ObjectType
    name: str = Field(min_length=1, max_length=80)
    columns: dict[str, str | None] = Field(description="Header -> field name (null: ignore)")


class ImportMappingOut(BaseModel):
    """A saved column mapping."""

    id: int
    object_type: str
    name: str
    columns: dict[str, str | None]
    created_by_id: int
    created_at: datetime


def job_out(job: Any, progress: Any | None, now: datetime, errors_url: str | None) -> ImportOut:
    """The API shape of an import job, with its rate and ETA (live when it runs here)."""
    rate, eta = _speed(job, progress, now)
    total = job.rows_total
    percent = None
    if total:
        percent = round(min(100.0, 100.0 * job.rows_done / total), 1)
    elif job.status == "completed":
        percent = 100.0
    options = {k: v for k, v in job.options.items() if k != "runner"}
    return ImportOut(
        id=job.id, object_type=job.object_type, file_name=job.file_name,
        file_size=job.file_size, encoding=job.encoding, mapping=job.mapping, options=options,
        status=job.status, rows_done=job.rows_done, rows_total=total,
        created_count=job.created_count, updated_count=job.updated_count,
        skipped_count=job.skipped_count, error_count=job.error_count, percent=percent,
        rate=rate, eta_seconds=eta, errors_url=errors_url if job.error_file else None,
        message=job.message, created_by_id=job.created_by_id, created_at=job.created_at,
        started_at=job.started_at, finished_at=job.finished_at, reverted_at=job.reverted_at,
        reverted_by_id=job.reverted_by_id, already_done=job.already_done,
    )  # fmt: skip


def _speed(job: Any, progress: Any | None, now: datetime) -> tuple[float | None, float | None]:
    """Rows per second and seconds left: the runner's live report, else from the record."""
    if progress is not None:
        return round(progress.rate, 1), progress.eta
    if job.started_at is None or job.rows_done == 0:
        return None, None
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
    end = job.finished_at or now
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    seconds = max((end - started).total_seconds(), 0.001)
    rate = job.rows_done / seconds
    left = None
    if job.status == "running" and job.rows_total:
        left = max(job.rows_total - job.rows_done, 0) / rate
    return round(rate, 1), left
