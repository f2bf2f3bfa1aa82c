"""Bulk API 2.0 ingest jobs: create a job, upload its CSV, close it, follow it, read its
results (what ``sf.bulk2.Lead.insert("leads.csv")`` uses).

A job belongs to the user who created it: only they (and administrators) see it. The
work itself (:meth:`BulkService.process`) is done by :mod:`.bulk_process`, in a
background thread when the API closes a job, or directly (tests, scripts).
"""

from __future__ import annotations

import builtins
import csv
import io
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.bulk_jobs import (
    DELETABLE,
    DELIMITERS,
    LINE_ENDINGS,
    JobState,
    check_deletable,
    check_transition,
    job_spec,
)
from opportune.domain.salesforce.ids import parse_id, sf_id
from opportune.domain.salesforce.objects import OBJECTS
from opportune.domain.users import Role, User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services.imports.source import CsvSource
from opportune.services.salesforce.bulk_files import (
    FAILURE_COLUMNS,
    SUCCESS_COLUMNS,
    JobFiles,
    UploadWriter,
    data_rows,
    header_line,
    read_chunks,
)
from opportune.services.salesforce.bulk_process import JobProcess, runner_alive
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["RESULT_KINDS", "BulkJob", "BulkService"]

RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")
_LIST_LIMIT = 1000
_INTERRUPTED = "InternalServerError : The server stopped while the job ran"


@dataclass(frozen=True, slots=True)
class BulkJob:
    """An ingest job as its ``bulk_jobs`` row holds it (``id`` is the Salesforce id)."""

    id: str
    number: int
    object_name: str
    operation: str
    external_id_field: str | None
    content_type: str
    line_ending: str
    column_delimiter: str
    state: str
    api_version: str
    created_by_id: str
    created_at: datetime
    updated_at: datetime
    records_processed: int
    records_failed: int
    retries: int
    processing_ms: int
    error_message: str | None
    import_id: int | None

    @property
    def delimiter(self) -> str:
        """The column delimiter character."""
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        """The line ending characters."""
        return LINE_ENDINGS[self.line_ending]


def _job(row: Mapping[str, Any]) -> BulkJob:
    return BulkJob(
        sf_id("Job", row["id"]), row["id"], row["object_name"], row["operation"],
        row["external_id_field"], row["content_type"], row["line_ending"],
        row["column_delimiter"], row["state"], row["api_version"],
        sf_id("User", row["created_by_id"]), row["created_at"], row["updated_at"],
        row["records_processed"], row["records_failed"], row["retries"], row["processing_ms"],
        row["error_message"], row["import_id"],
    )  # fmt: skip


class BulkService:
    """Bulk API 2.0 ingest jobs."""

    def __init__(self, core: Opportune) -> None:
        self.core = core

    # --- the job's life ---------------------------------------------------------------------

    def create(self, actor: User, body: Mapping[str, Any], api_version: str) -> BulkJob:
        """Open a job as the request ``body`` describes it (Salesforce's JSON)."""
        externals = {o.name: [f.name for f in o.external_ids] for o in OBJECTS.values()}
        spec = job_spec(body, externals)
        now = self.core.clock()
        values = {
            "object_name": spec.object_name, "operation": spec.operation,
            "external_id_field": spec.external_id_field, "content_type": "CSV",
            "line_ending": spec.line_ending, "column_delimiter": spec.column_delimiter,
            "state": JobState.OPEN.value, "api_version": api_version,
            "created_by_id": _user_id(actor), "created_at": now, "updated_at": now,
        }  # fmt: skip
        with UnitOfWork(self.core.engine, write=True) as uow:
            job_id = uow.bulk_jobs.add(values)
            uow.commit()
            row = uow.bulk_jobs.get(job_id)
        assert row is not None
        return _job(row)

    def start_upload(self, actor: User, job_id: str) -> UploadWriter:
        """A writer for the job's CSV (written chunk by chunk, at most the import upload
        limit); hand it to :meth:`finish_upload` once every chunk is written."""
        job = self.get(actor, job_id)
        self._check_open(job)
        files = JobFiles(self.core.settings.data_dir, job.number)
        if files.data.exists():
            raise ConflictError(
                "Found multiple contents for job: upload the data once", code="INVALIDJOBSTATE"
            )
        return UploadWriter(files.data, self.core.settings.import_max_bytes)

    def finish_upload(self, actor: User, job_id: str, writer: UploadWriter) -> BulkJob:
        """Put the written upload in place and record its size."""
        job = self.get(actor, job_id)
        size = writer.finish()
        with UnitOfWork(self.core.engine, write=True) as uow:
            uow.bulk_jobs.change(job.number, upload_bytes=size, updated_at=self.core.clock())
            uow.commit()
        return self.get(actor, job_id)

    def change_state(self, actor: User, job_id: str, state: object) -> BulkJob:
        """Close (``UploadComplete``) or abort (``Aborted``) the job, as a client may."""
        job = self.get(actor, job_id)
        with UnitOfWork(self.core.engine, write=True) as uow:
            row = uow.bulk_jobs.get(job.number, lock=True)
            assert row is not None
            target = check_transition(row["state"], str(state or ""), by_client=True)
            uow.bulk_jobs.change(job.number, state=target.value, updated_at=self.core.clock())
            changed = uow.bulk_jobs.get(job.number)
            uow.commit()
        # As this change left it: a job worker may start a closed job the moment it commits.
        assert changed is not None
        return _job(changed)

    def process(self, job_id: str) -> BulkJob:
        """Do a closed job to its end, in this thread; return it as it ended."""
        number = _number(job_id)
        JobProcess(self.core, number).run()
        return self._by_number(number)

    def resume_interrupted(self) -> builtins.list[BulkJob]:
        """At server start: a job a process that is gone left ``InProgress`` fails (the
        rows it never reached stay in its ``unprocessedrecords``); closed jobs nobody
        started are done now. Return the jobs this touched, as they ended."""
        now = self.core.clock()
        with UnitOfWork(self.core.engine, write=True) as uow:
            rows = uow.bulk_jobs.with_states(JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS)
            left = [r for r in rows if not runner_alive(r["runner"], r["id"])]
            for row in (r for r in left if r["state"] == JobState.IN_PROGRESS):
                uow.bulk_jobs.change(row["id"], state=JobState.FAILED.value, runner=None,
                                     error_message=_INTERRUPTED, finished_at=now,
                                     updated_at=now)  # fmt: skip
            uow.commit()
        for row in (r for r in left if r["state"] == JobState.UPLOAD_COMPLETE):
            JobProcess(self.core, row["id"]).run()
        return [self._by_number(r["id"]) for r in left]

    def purge_expired(self) -> int:
        """Remove the jobs (and their files) that ended, or were left open, more than
        ``bulk_job_retention_days`` ago, as Salesforce does after seven days; return how
        many. Run at server start."""
        cutoff = self.core.clock() - timedelta(days=self.core.settings.bulk_job_retention_days)
        with UnitOfWork(self.core.engine, write=True) as uow:
            expired = uow.bulk_jobs.idle_since([s.value for s in DELETABLE], cutoff)
            for number in expired:
                uow.bulk_jobs.remove(number)
            uow.commit()
        for number in expired:
            JobFiles(self.core.settings.data_dir, number).remove()
        return len(expired)

    def delete(self, actor: User, job_id: str) -> None:
        """Delete a job that is not being worked on, with its files."""
        job = self.get(actor, job_id)
        check_deletable(job.state)
        with UnitOfWork(self.core.engine, write=True) as uow:
            uow.bulk_jobs.remove(job.number)
            uow.commit()
        JobFiles(self.core.settings.data_dir, job.number).remove()

    # --- looking ----------------------------------------------------------------------------

    def get(self, actor: User, job_id: str) -> BulkJob:
        """The job, when ``actor`` created it or is an administrator."""
        job = self._by_number(_number(job_id))
        if actor.role is not Role.ADMIN and job.created_by_id != sf_id("User", _user_id(actor)):
            raise _not_found()
        return job

    def list(self, actor: User) -> builtins.list[BulkJob]:
        """The jobs ``actor`` can see, newest first (the newest 1,000)."""
        mine = None if actor.role is Role.ADMIN else _user_id(actor)
        with UnitOfWork(self.core.engine) as uow:
            return [_job(row) for row in uow.bulk_jobs.page(mine, _LIST_LIMIT)]

    def results(self, actor: User, job_id: str, kind: str) -> Iterator[bytes]:
        """A result file as chunks of CSV: ``successfulResults``, ``failedResults`` or
        ``unprocessedrecords``."""
        job = self.get(actor, job_id)
        files = JobFiles(self.core.settings.data_dir, job.number)
        if kind.lower() == "unprocessedrecords":
            return self._unprocessed(job, files)
        success = kind.lower() == "successfulresults"
        path = files.successes if success else files.failures
        if path.is_file():
            return read_chunks(path)
        header = [*(SUCCESS_COLUMNS if success else FAILURE_COLUMNS), *self._header(job, files)]
        return iter([header_line(header, job.delimiter, job.newline).encode()])

    def _header(self, job: BulkJob, files: JobFiles) -> builtins.list[str]:
        if not files.data.is_file():
            return []
        with CsvSource(files.data, "utf-8", job.delimiter) as source:
            return source.header

    def _unprocessed(self, job: BulkJob, files: JobFiles) -> Iterator[bytes]:
        """The rows the job never reached, under the upload's own header."""
        if not files.data.is_file():
            return
        with CsvSource(files.data, "utf-8", job.delimiter) as source:
            out = io.StringIO()
            writer = csv.writer(out, delimiter=job.delimiter, lineterminator=job.newline)
            writer.writerow(source.header)
            for cells in itertools.islice(data_rows(source), job.records_processed, None):
                writer.writerow(cells)
                if out.tell() > 64 * 1024:
                    yield out.getvalue().encode()
                    out.seek(0)
                    out.truncate()
            yield out.getvalue().encode()

    def _by_number(self, number: int) -> BulkJob:
        with UnitOfWork(self.core.engine) as uow:
            row = uow.bulk_jobs.get(number)
        if row is None:
            raise _not_found()
        return _job(row)

    @staticmethod
    def _check_open(job: BulkJob) -> None:
        if job.state != JobState.OPEN:
            raise ConflictError(
                f"The job is {job.state}: data can only be uploaded to an Open job",
                code="INVALIDJOBSTATE",
            )


def _number(job_id: str) -> int:
    try:
        return parse_id(job_id, "Job", "jobId")
    except ValidationError:
        raise _not_found() from None


def _not_found() -> NotFoundError:
    return NotFoundError("The requested resource does not exist", code="NOT_FOUND")


def _user_id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id
