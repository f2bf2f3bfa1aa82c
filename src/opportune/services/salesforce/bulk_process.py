"""Working through a closed Bulk API 2.0 ingest job, chunk by chunk.

The upload is read as a stream; each chunk of rows is saved, the job's counts committed
and the chunk's results appended to the job's result files, so a client polling the job
sees progress and a crash loses at most the chunk in hand. Inserts the CSV import
can express run on the import's batch engine (:mod:`.bulk_import`), a chunk per
transaction together with the job's counts; everything else goes row by row through the
record service (:mod:`.bulk_records`). A job aborted meanwhile stops after the chunk in
hand; the rows it never reached are its unprocessed records.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.bulk_jobs import DELIMITERS, LINE_ENDINGS, JobState
from opportune.domain.salesforce.ids import sf_id
from opportune.domain.salesforce.objects import SObject, sobject
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services.imports.source import CsvSource
from opportune.services.salesforce.bulk_files import (
    FAILURE_COLUMNS,
    SUCCESS_COLUMNS,
    JobFiles,
    ResultFile,
    data_rows,
)
from opportune.services.salesforce.bulk_import import ImportPath, import_fields, import_values
from opportune.services.salesforce.bulk_records import RecordPath
from opportune.services.salesforce.bulk_rows import RowResult
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["JobProcess", "runner_alive"]

log = logging.getLogger(__name__)
_RUNNER = f"{socket.gethostname()}:{os.getpid()}"
# Jobs this process is working through.
_running: set[int] = set()
_running_guard = threading.Lock()
RECORD_CHUNK = 200  # rows a record-path chunk saves before the job's counts move
Chunk = Sequence[list[str]]


def runner_alive(runner: str | None, job_id: int) -> bool:
    """True while the process recorded as working through the job (``host:pid``) still
    runs it; another host's process cannot be checked and counts as gone."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        with _running_guard:
            return job_id in _running
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _StopError(Exception):
    """The job was aborted or deleted meanwhile: stop where it stands."""


class JobProcess:
    """One run of one closed job, from ``UploadComplete`` to its end."""

    def __init__(self, core: Opportune, job_id: int) -> None:
        self.core, self.job_id = core, job_id
        self.files = JobFiles(core.settings.data_dir, job_id)
        self.import_id: int | None = None

    def run(self) -> None:
        """Do the job (nothing when it is not waiting to be done)."""
        job = self._claim()
        if job is None:
            return
        started = time.monotonic()
        try:
            self._work(job)
            self._end(JobState.JOB_COMPLETE, None, started)
        except _StopError:
            self._end(None, None, started)
        except ValidationError as exc:
            reason = "; ".join(f.message for f in exc.fields) or exc.message
            self._end(JobState.FAILED, f"InvalidBatch : {reason}", started)
        except Exception as exc:
            log.exception("Bulk job %s failed", self.job_id)
            self._end(JobState.FAILED, f"InternalServerError : {exc}", started)
        finally:
            with _running_guard:
                _running.discard(self.job_id)

    def _claim(self) -> dict[str, Any] | None:
        with UnitOfWork(self.core.engine, write=True) as uow:
            job = uow.bulk_jobs.get(self.job_id, lock=True)
            if job is None or job["state"] != JobState.UPLOAD_COMPLETE:
                return None
            now = self.core.clock()
            uow.bulk_jobs.change(self.job_id, state=JobState.IN_PROGRESS.value, started_at=now,
                                 updated_at=now, runner=_RUNNER)  # fmt: skip
            actor = uow.users.get(job["created_by_id"])
            uow.commit()
        with _running_guard:
            _running.add(self.job_id)
        return {**job, "actor": actor}

    def _work(self, job: dict[str, Any]) -> None:
        found = sobject(job["object_name"])
        assert found is not None and isinstance(job["actor"], User)
        delimiter = DELIMITERS[job["column_delimiter"]]
        if not self.files.data.is_file():
            raise ValidationError.single("file", "INVALIDBATCH", "No data was uploaded")
        with CsvSource(self.files.data, "utf-8", delimiter) as source:
            header = _checked_header(found, source.header)
            save, size = self._saver(job, found, header)
            ending = LINE_ENDINGS[job["line_ending"]]
            with (
                ResultFile(self.files.successes, [*SUCCESS_COLUMNS, *header], delimiter,
                           ending) as successes,
                ResultFile(self.files.failures, [*FAILURE_COLUMNS, *header], delimiter,
                           ending) as failures,
            ):  # fmt: skip
                for chunk in _chunks(data_rows(source), size):
                    save(chunk, lambda results: _write(results, successes, failures))

    def _saver(
        self, job: dict[str, Any], found: SObject, header: list[str]
    ) -> tuple[Callable[[Chunk, Callable[[list[RowResult]], None]], None], int]:
        """How a chunk is saved, and how many rows a chunk holds."""
        fields = import_fields(found, header) if job["operation"] == "insert" else None
        if fields is None:
            path = RecordPath(self.core, job["actor"], found, job["operation"],
                              job["external_id_field"], header)  # fmt: skip
            size = min(RECORD_CHUNK, self.core.settings.import_batch_size)
            return lambda chunk, write: self._record_chunk(path, chunk, write), size
        self.import_id = self._add_import(job, found, header)
        engine = ImportPath(self.core, found, fields, job["created_by_id"], self.import_id)
        size = self.core.settings.import_batch_size
        return lambda chunk, write: self._import_chunk(engine, chunk, write), size

    def _add_import(self, job: dict[str, Any], found: SObject, header: list[str]) -> int:
        mapping: dict[str, str | None] = {h: (f.input if (f := found.field(h)) else None)
                                          for h in header}  # fmt: skip
        name = f"Bulk API job {sf_id('Job', job['id'])} ({found.name} insert)"
        size = job["upload_bytes"] or 0
        values = import_values(found, name, size, job["created_by_id"], self.core.clock(),
                               mapping)  # fmt: skip
        with UnitOfWork(self.core.engine, write=True) as uow:
            import_id = uow.imports.add(values)
            uow.bulk_jobs.change(self.job_id, import_id=import_id)
            uow.commit()
        return import_id

    def _import_chunk(
        self, engine: ImportPath, chunk: Chunk, write: Callable[[list[RowResult]], None]
    ) -> None:
        """Save a chunk and move the job's counts in one transaction, then write its
        results."""
        with UnitOfWork(self.core.engine, write=True) as uow:
            self._still_running(uow)
            results = engine.run(uow, chunk)
            self._count(uow, results)
            uow.commit()
        # Written once committed: a result file never lists a record that was rolled back.
        write(results)

    def _record_chunk(
        self, path: RecordPath, chunk: Chunk, write: Callable[[list[RowResult]], None]
    ) -> None:
        """Save a chunk row by row (each row commits), then move the job's counts."""
        with UnitOfWork(self.core.engine) as uow:
            self._still_running(uow)
        results = path.run(chunk)
        write(results)
        with UnitOfWork(self.core.engine, write=True) as uow:
            job = self._count(uow, results)
            uow.commit()
        if job["state"] != JobState.IN_PROGRESS:
            raise _StopError

    def _still_running(self, uow: UnitOfWork) -> dict[str, Any]:
        job = uow.bulk_jobs.get(self.job_id, lock=uow.write)
        if job is None or job["state"] != JobState.IN_PROGRESS:
            raise _StopError
        return job

    def _count(self, uow: UnitOfWork, results: list[RowResult]) -> dict[str, Any]:
        job = uow.bulk_jobs.get(self.job_id, lock=True)
        if job is None:
            raise _StopError
        failed = sum(1 for r in results if not r.ok)
        processed = job["records_processed"] + len(results)
        total_failed = job["records_failed"] + failed
        uow.bulk_jobs.change(self.job_id, records_processed=processed,
                             records_failed=total_failed, updated_at=self.core.clock())  # fmt: skip
        if self.import_id is not None:
            uow.imports.change(self.import_id, rows_done=processed, error_count=total_failed,
                               created_count=processed - total_failed)  # fmt: skip
        return job

    def _end(self, state: JobState | None, message: str | None, started: float) -> None:
        """Record how the job ended (``state`` None: leave the state as the client set
        it) and how long it took."""
        elapsed = int((time.monotonic() - started) * 1000)
        now = self.core.clock()
        with UnitOfWork(self.core.engine, write=True) as uow:
            job = uow.bulk_jobs.get(self.job_id, lock=True)
            if job is None:
                return
            running = job["state"] == JobState.IN_PROGRESS
            final = state if state is not None and running else JobState(job["state"])
            error = message if running else job["error_message"]
            uow.bulk_jobs.change(
                self.job_id, state=final.value, finished_at=now, updated_at=now,
                processing_ms=elapsed, error_message=error, runner=None,
            )  # fmt: skip
            if self.import_id is not None:
                status = "failed" if final is JobState.FAILED else "completed"
                uow.imports.change(self.import_id, status=status, finished_at=now, message=message)
            uow.commit()


def _checked_header(found: SObject, header: list[str]) -> list[str]:
    """The header, when every column is a field of the object (Salesforce fails the job
    otherwise)."""
    if not any(header):
        raise ValidationError.single("file", "INVALIDBATCH", "The data has no header row")
    unknown = [h for h in header if found.field(h) is None]
    if unknown:
        raise ValidationError.single(
            "file", "INVALIDBATCH", f"Field name not found : {', '.join(unknown)}"
        )
    return header


def _chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _write(results: list[RowResult], successes: ResultFile, failures: ResultFile) -> None:
    """Append a chunk's results to the result files and push them to disk."""
    for result in results:
        if result.ok:
            successes.add([result.record_id, "true" if result.created else "false", *result.cells])
        else:
            failures.add([result.record_id, result.error or "", *result.cells])
    successes.flush()
    failures.flush()
