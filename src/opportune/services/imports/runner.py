"""Running an import: batches of rows, each committed with the import's progress.

Every batch is one write transaction that saves its records *and* moves the import's
``rows_done`` and counts, so a process killed at any moment leaves whole batches only,
and :func:`run_import` resumes after the last one: it re-reads the file and skips
``rows_done`` rows. With ``all_or_none`` the whole file is one transaction, committed
only when no row was rejected.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opportune.db.exclusive import exclusive
from opportune.domain.audit import AuditAction
from opportune.domain.imports import ColumnMapping
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services.access import viewer_for
from opportune.services.audit_trail import audit
from opportune.services.imports.batch import Batch, BatchOutcome, Staged
from opportune.services.imports.check_process import CheckProcess
from opportune.services.imports.error_file import ErrorFile, describe_errors, keep_lines_up_to
from opportune.services.imports.hooks import load_assigner
from opportune.services.imports.model import ImportJob, ImportOptions, ImportProgress
from opportune.services.imports.prefetch import Prefetch
from opportune.services.imports.setup import formats, make_builder
from opportune.services.imports.source import CsvSource, count_rows, file_digest
from opportune.services.uow import UnitOfWork

__all__ = ["ImportRun", "job_of", "runner_alive"]

Progress = Callable[[ImportProgress], None]
_HOST = socket.gethostname()
# Imports running in this process (a second run() of one of them is refused).
_running: set[int] = set()
_running_guard = threading.Lock()


def job_of(row: dict[str, Any], *, already_done: bool = False) -> ImportJob:
    """The job for an ``imports`` row."""
    return ImportJob(**row, already_done=already_done)


def runner_alive(job: ImportJob) -> bool:
    """True while the process recorded as running the import still exists."""
    runner = job.runner
    if runner is None or runner[0] != _HOST:
        return False  # another host's runner cannot be checked: treat as gone
    pid = runner[1]
    if pid == os.getpid():
        with _running_guard:
            return job.id in _running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Totals:
    created: int
    updated: int
    skipped: int
    errors: int

    def add(self, outcome: BatchOutcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.skipped += outcome.skipped
        self.errors += len(outcome.errors)

    def columns(self) -> dict[str, int]:
        return {"created_count": self.created, "updated_count": self.updated,
                "skipped_count": self.skipped, "error_count": self.errors}  # fmt: skip


class ImportRun:
    """One run of one import, from its resume point to its end."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime], *, currency: str, batch_size: int,
        error_dir: Path, check_process_min_rows: int,
    ) -> None:  # fmt: skip
        self.engine, self.clock, self.currency = engine, clock, currency
        self.batch_size, self.error_dir = batch_size, error_dir
        self.check_process_min_rows = check_process_min_rows

    def run(self, import_id: int, progress: Progress | None = None) -> ImportJob:
        """Run (or resume) the import; return it as it ends."""
        job = self._claim(import_id)
        if job.is_finished:
            return job
        try:
            return self._run(job, progress)
        except ValidationError as exc:
            return self._finish(job.id, "failed", exc.message)
        except BaseException:
            self._interrupted(job.id)
            raise
        finally:
            with _running_guard:
                _running.discard(job.id)

    # --- claiming -------------------------------------------------------------------------

    def _claim(self, import_id: int) -> ImportJob:
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.imports.get_for_update(import_id)
            if row is None:
                raise NotFoundError.for_record("Import", import_id)
            job = job_of(row)
            if job.is_finished:
                return job
            if job.status == "running" and runner_alive(job):
                raise ConflictError(
                    f"Import #{import_id} is already running", code="IMPORT_RUNNING"
                )
            options = {**job.options, "runner": {"host": _HOST, "pid": os.getpid()}}
            now = self.clock()
            uow.imports.change(import_id, status="running", options=options,
                            started_at=job.started_at or now, message=None)  # fmt: skip
            with _running_guard:
                _running.add(import_id)
            uow.commit()
        return job_of({**row, "status": "running", "options": options})

    def _interrupted(self, import_id: int) -> None:
        """Best effort after a crash or Ctrl-C: leave the import resumable."""
        # The original error matters more than a failure to record it.
        with contextlib.suppress(Exception), UnitOfWork(self.engine, write=True) as uow:
            uow.imports.change(import_id, status="interrupted", message="Interrupted: resume it")
            uow.commit()

    def _finish(self, import_id: int, status: str, message: str | None) -> ImportJob:
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.imports.get(import_id)
            assert row is not None
            options = {k: v for k, v in row["options"].items() if k != "runner"}
            uow.imports.change(import_id, status=status, message=message, options=options,
                            finished_at=self.clock())  # fmt: skip
            _audit_finish(uow, row, status, self.clock())
            uow.commit()
            return job_of(uow.imports.get(import_id) or row)

    # --- the work -------------------------------------------------------------------------

    def _run(self, job: ImportJob, progress: Progress | None) -> ImportJob:
        path = self._source_path(job)
        options = ImportOptions.from_json(job.options)
        total = job.rows_total
        if total is None:
            total = count_rows(path, job.encoding, options.delimiter)
            with UnitOfWork(self.engine, write=True) as uow:
                uow.imports.change(job.id, rows_total=total)
                uow.commit()
        with CsvSource(path, job.encoding, options.delimiter) as source:
            batch = self._batch(job, source.header, options)
            rows = source.rows()
            collections.deque(itertools.islice(rows, job.rows_done), maxlen=0)  # skip them
            # The last done row may span lines; the reader knows where it ended.
            last_line = source.reader.line_num if job.rows_done else 0
            error_path = self.error_dir / f"import-{job.id}-errors.csv"
            if job.rows_done:
                keep_lines_up_to(error_path, last_line, options.delimiter)
            else:
                error_path.unlink(missing_ok=True)
            with (
                self._one_checked_import_at_a_time(options),
                ErrorFile(error_path, source.header, options.delimiter) as errors,
            ):
                run = _Loop(self, job, batch, errors, total, progress)
                status, message = (
                    run.all_or_none(rows) if options.all_or_none else run.batches(rows)
                )
            has_errors = error_path.exists() and errors.count + job.error_count > 0
        self._set_error_file(job.id, error_path if has_errors else None)
        if not has_errors:
            error_path.unlink(missing_ok=True)
        return self._finish(job.id, status, message)

    def _one_checked_import_at_a_time(self, options: ImportOptions) -> AbstractContextManager[None]:
        """Imports that look for duplicates run one after another, in whatever process: each
        decides a batch's duplicates before saving it, so two at once would not see each
        other's new records and would both create the rows their files share."""
        if options.duplicates == "create":
            return contextlib.nullcontext()
        return exclusive(self.engine, "checked-import")

    def _source_path(self, job: ImportJob) -> Path:
        path = Path(job.stored_path or "")
        if not job.stored_path or not path.is_file():
            raise ValidationError.single(
                "file", "FILE_MISSING", f"The file of import #{job.id} is gone ({path})"
            )
        if job.rows_done and file_digest(path)[0] != job.file_sha256:
            raise ValidationError.single(
                "file", "FILE_CHANGED", f"The file of import #{job.id} changed since it started"
            )
        return path

    def _set_error_file(self, import_id: int, path: Path | None) -> None:
        with UnitOfWork(self.engine, write=True) as uow:
            uow.imports.change(import_id, error_file=str(path) if path else None)
            uow.commit()

    def _batch(self, job: ImportJob, header: list[str], options: ImportOptions) -> Batch:
        now = self.clock()
        with UnitOfWork(self.engine) as uow:
            builder = make_builder(uow, job.object_type, self.currency, job.created_by_id, now)
            assign = options.assign and job.object_type == "lead"
            assigner = load_assigner(uow) if assign else None
            viewer = viewer_for(uow, uow.users.get(job.created_by_id))
        fields = {header.index(h): f for h, f in job.mapping.items() if f and h in header}
        return Batch(
            kind=job.object_type, header=header, columns=ColumnMapping(fields),
            formats=formats(options.day_first, options.delimiter), defaults=options.defaults,
            builder=builder, lists=builder.lists, duplicates=options.duplicates,
            assigner=assigner, import_id=job.id, actor_id=job.created_by_id, now=now,
            viewer=viewer,
        )  # fmt: skip


class _Loop:
    """The batch loop of one run, with its counters and progress reports."""

    def __init__(
        self, owner: ImportRun, job: ImportJob, batch: Batch, errors: ErrorFile,
        total: int, progress: Progress | None,
    ) -> None:  # fmt: skip
        self.owner, self.job, self.batch, self.errors = owner, job, batch, errors
        self.total, self.progress = total, progress
        self.done = job.rows_done
        self.totals = _Totals(job.created_count, job.updated_count, job.skipped_count,
                              job.error_count)  # fmt: skip
        self.started, self.start_done = time.monotonic(), job.rows_done
        self.analyzed_at = 500  # first statistics refresh after 1,000 new records
        self.headers = {f: batch.header[i] for i, f in batch.columns.fields.items()}

    def chunks(
        self, rows: Iterator[tuple[int, list[str]]]
    ) -> Iterator[list[tuple[int, list[str]]]]:
        while chunk := list(itertools.islice(rows, self.owner.batch_size)):
            yield chunk

    def batches(self, rows: Iterator[tuple[int, list[str]]]) -> tuple[str, str | None]:
        """Each batch in its own transaction with the import's progress. While a batch is
        saved (by a writer thread), the next one is decided on a read connection, checked
        for duplicates against saved records and against the batch being saved."""
        with (
            self._check_process(),
            Prefetch(self.chunks(rows), self.batch.stage) as staged_batches,
            ThreadPoolExecutor(1, thread_name_prefix="import-writer") as writer,
        ):
            saving: Future[None] | None = None
            previous: Staged | None = None
            for staged in staged_batches:
                in_flight = (previous.items or []) if previous is not None else []
                with UnitOfWork(self.owner.engine) as uow:
                    previous = self.batch.decide(uow, staged, in_flight)
                if saving is not None:
                    self._saved(saving)
                saving = writer.submit(self._save, previous)
            if saving is not None:
                self._saved(saving)
        return "completed", None

    @contextlib.contextmanager
    def _check_process(self) -> Iterator[None]:
        """Run the duplicate checks in a second process when the rows left are many (and
        the checks are needed at all): it works on another core while this process reads
        and saves. Small imports are not worth starting one."""
        batch, engine = self.batch, self.owner.engine
        if not self._worth_a_check_process():
            yield
            return
        url = engine.url.render_as_string(hide_password=False)
        with CheckProcess(url, batch.kind) as checks:
            batch.checks = checks
            try:
                yield
            finally:
                batch.checks = None

    def _worth_a_check_process(self) -> bool:
        batch, url = self.batch, self.owner.engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        checked = batch.kind != "opportunity" and batch.duplicates != "create"
        left = self.total - self.done
        return checked and not in_memory and left >= self.owner.check_process_min_rows

    def _save(self, staged: Staged) -> None:
        with UnitOfWork(self.owner.engine, write=True) as uow:
            self._one(uow, staged)
            uow.commit()

    def _saved(self, saving: Future[None]) -> None:
        """Wait for a batch to be saved (raising what went wrong), then report it."""
        saving.result()
        self._keep_statistics()
        self._report()

    def _keep_statistics(self) -> None:
        """Each time the import has doubled what it created, refresh the table's planner
        statistics (PostgreSQL), so lookups keep using the indexes as the table grows."""
        if self.totals.created < self.analyzed_at * 2:
            return
        self.analyzed_at = self.totals.created
        with UnitOfWork(self.owner.engine, write=True) as uow:
            uow.imports.analyze(self.job.object_type)
            uow.commit()

    def all_or_none(self, rows: Iterator[tuple[int, list[str]]]) -> tuple[str, str | None]:
        with (
            UnitOfWork(self.owner.engine, write=True) as uow,
            Prefetch(self.chunks(rows), self.batch.stage) as staged_batches,
        ):
            for staged in staged_batches:
                self._one(uow, self.batch.decide(uow, staged))
                self._report()
            if self.totals.errors == 0:
                uow.commit()
                return "completed", None
        message = f"{self.totals.errors} rows were rejected, so nothing was imported (all or none)"
        with UnitOfWork(self.owner.engine, write=True) as uow:
            uow.imports.change(self.job.id, rows_done=self.done, created_count=0, updated_count=0,
                            skipped_count=0, error_count=self.totals.errors)  # fmt: skip
            uow.commit()
        return "failed", message

    def _one(self, uow: UnitOfWork, staged: Staged) -> None:
        outcome = self.batch.save(uow, staged)
        for error in outcome.errors:
            self.errors.add(error.line, error.cells, describe_errors(error.errors, self.headers))
        self.errors.flush()
        self.totals.add(outcome)
        self.done += staged.rows
        uow.imports.change(self.job.id, rows_done=self.done, **self.totals.columns())

    def _report(self) -> None:
        if self.progress is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (self.done - self.start_done) / elapsed
        left = max(self.total - self.done, 0)
        eta = left / rate if rate > 0 else None
        t = self.totals
        self.progress(ImportProgress(self.done, self.total, t.created, t.updated, t.skipped,
                                     t.errors, rate, eta))  # fmt: skip


def _audit_finish(uow: UnitOfWork, row: dict[str, Any], status: str, at: datetime) -> None:
    """Record how the import ended, for whoever started it."""
    counts = {k: row[f"{k}_count"] for k in ("created", "updated", "skipped", "error")}
    details = {"object_type": row["object_type"], "status": status, **counts}
    audit(uow, AuditAction.IMPORT_FINISHED, row["created_by_id"], at, object_type="import",
          object_id=row["id"], details=details)  # fmt: skip
