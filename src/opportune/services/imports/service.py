"""CSV imports of leads, accounts, contacts and opportunities: the library API.

:meth:`ImportService.start` checks the file's columns at once and records the import;
:meth:`ImportService.run` does the work in committed batches and can be called again to
resume. The same file (same content, same kind of record) is never imported twice: a
completed import is reported as done, an interrupted one resumed.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.users import Role, User
from opportune.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.imports.batch import Batch
from opportune.services.imports.cleanup import (
    UNFINISHED,
    UploadCleanup,
    remove_stale_uploads,
    uploads_root,
)
from opportune.services.imports.error_file import describe_errors
from opportune.services.imports.model import (
    ImportJob,
    ImportOptions,
    ImportPreview,
    ImportProgress,
    SavedMapping,
)
from opportune.services.imports.runner import ImportRun, job_of, runner_alive
from opportune.services.imports.setup import (
    check_choices,
    formats,
    make_builder,
    read_layout,
    resolve_overrides,
)
from opportune.services.imports.source import CsvSource, file_digest
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

__all__ = ["ImportList", "ImportService"]

_PLURAL = {"lead": "leads", "account": "accounts", "contact": "contacts",
           "opportunity": "opportunities"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportList:
    """A page of imports, newest first; ``next_cursor`` fetches the older ones."""

    items: list[ImportJob]
    next_cursor: str | None


class ImportService:
    """CSV imports: start, run, resume, preview, list, revert, saved mappings."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    @property
    def error_dir(self) -> Path:
        """Where error files are written."""
        return self.settings.data_dir / "imports"

    # --- starting and running ---------------------------------------------------------------

    def start(
        self,
        actor: User,
        object_type: str,
        path: Path | str,
        *,
        file_name: str | None = None,
        encoding: str = "utf-8",
        mapping: Mapping[str, str | None] | None = None,
        saved_mapping: str | None = None,
        duplicates: str = "skip",
        all_or_none: bool = False,
        assign: bool = True,
        date_format: str = "auto",
        defaults: Mapping[str, str] | None = None,
        delimiter: str | None = None,
        again: bool = False,
    ) -> ImportJob:
        """Check the file's columns and record the import (pending: :meth:`run` does it).

        The same file already imported completely as this kind of record comes back with
        ``already_done`` set and nothing is imported, unless ``again``; an unfinished one
        comes back as it is, for :meth:`run` to resume.
        """
        check_choices(object_type, duplicates, date_format)
        source = Path(path).resolve()
        if not source.is_file():
            raise NotFoundError(f"No file {path}")
        sha, size = file_digest(source)
        with UnitOfWork(self.engine) as uow:
            earlier = uow.imports.latest_for_file(object_type, sha)
            overrides = resolve_overrides(uow, object_type, mapping, saved_mapping)
        if earlier is not None and not again:
            if earlier["status"] == "completed":
                return job_of(earlier, already_done=True)
            if earlier["status"] in ("pending", "running", "interrupted"):
                return job_of(earlier)
        layout = read_layout(object_type, source, encoding, overrides, delimiter=delimiter,
                             date_format=date_format, defaults=defaults)  # fmt: skip
        options = ImportOptions(
            duplicates=duplicates, all_or_none=all_or_none, assign=assign,
            day_first=layout.day_first, decimal_comma=layout.delimiter == ";",
            delimiter=layout.delimiter, defaults=dict(defaults or {}),
        )  # fmt: skip
        values = {
            "object_type": object_type, "file_name": file_name or source.name,
            "file_sha256": sha, "file_size": size, "stored_path": str(source),
            "encoding": encoding, "mapping": layout.mapping(), "options": options.as_json(),
            "status": "pending", "created_by_id": _id(actor), "created_at": self.clock(),
        }  # fmt: skip
        with UnitOfWork(self.engine, write=True) as uow:
            import_id = uow.imports.add(values)
            audit(uow, AuditAction.IMPORTED, actor, self.clock(), object_type="import",
                  object_id=import_id, details={"object_type": object_type,
                                                "file_name": values["file_name"]})  # fmt: skip
            uow.commit()
            row = uow.imports.get(import_id)
        assert row is not None
        return job_of(row)

    def run(
        self, import_id: int, *, progress: Callable[[ImportProgress], None] | None = None
    ) -> ImportJob:
        """Do (or resume) the import in committed batches, calling ``progress`` after each;
        return it as it ended. A finished import is returned as it is."""
        runner = ImportRun(
            self.engine, self.clock, currency=self.settings.currency,
            batch_size=self.settings.import_batch_size, error_dir=self.error_dir,
            check_process_min_rows=self.settings.import_check_process_min_rows,
        )  # fmt: skip
        return runner.run(import_id, progress)

    def resume_interrupted(self, *, resume: bool = True) -> builtins.list[ImportJob]:
        """At server start: imports left running by a process that is gone become
        interrupted; with ``resume`` every unfinished one is then run to its end."""
        with UnitOfWork(self.engine, write=True) as uow:
            waiting = [
                job_of(r) for r in uow.imports.with_status("pending", "running", "interrupted")
            ]
            for job in waiting:
                if job.status == "running" and not runner_alive(job):
                    uow.imports.change(
                        job.id, status="interrupted", message="Interrupted: resume it"
                    )
            uow.commit()
        waiting = [j for j in waiting if not (j.status == "running" and runner_alive(j))]
        if not resume:
            return [self._job(j.id) for j in waiting]
        return [self.run(j.id) for j in waiting]

    def cleanup_uploads(self) -> UploadCleanup:
        """Remove the uploaded files that no unfinished import reads and that are older than
        ``import_upload_retention_hours`` (see :mod:`opportune.services.imports.cleanup`).

        Run at server start and by ``opportune import cleanup``; error files stay.
        """
        with UnitOfWork(self.engine) as uow:
            unfinished = uow.imports.with_status(*UNFINISHED)
        keep = {Path(row["stored_path"]).resolve() for row in unfinished if row["stored_path"]}
        retention = timedelta(hours=self.settings.import_upload_retention_hours)
        cutoff = (self.clock() - retention).timestamp()
        return remove_stale_uploads(uploads_root(self.settings.data_dir), keep, cutoff)

    # --- looking ----------------------------------------------------------------------------

    def preview(
        self,
        object_type: str,
        path: Path | str,
        *,
        encoding: str = "utf-8",
        mapping: Mapping[str, str | None] | None = None,
        saved_mapping: str | None = None,
        delimiter: str | None = None,
        date_format: str = "auto",
        rows: int = 10,
    ) -> ImportPreview:
        """The header, how each column maps, the first ``rows`` rows and what is wrong with
        them, without importing anything. Mapping problems are listed, not raised."""
        check_choices(object_type, "skip", date_format)
        source = Path(path)
        with UnitOfWork(self.engine) as uow:
            overrides = resolve_overrides(uow, object_type, mapping, saved_mapping)
            try:
                layout = read_layout(object_type, source, encoding, overrides,
                                     delimiter=delimiter, date_format=date_format)  # fmt: skip
            except ValidationError as exc:
                return self._broken_preview(
                    object_type, source, encoding, delimiter, overrides, exc
                )
            builder = make_builder(uow, object_type, self.settings.currency, 1, self.clock())
            batch = Batch(
                kind=object_type, header=layout.header, columns=layout.columns,
                formats=formats(layout.day_first, layout.delimiter), defaults={},
                builder=builder, lists=builder.lists, duplicates="create", assigner=None,
                import_id=0, actor_id=1, now=self.clock(),
            )  # fmt: skip
            with CsvSource(source, encoding, layout.delimiter) as csv_source:
                first = list(itertools.islice(csv_source.rows(), rows))
            rejected = batch.check(uow, first)
        headers = {f: layout.header[i] for i, f in layout.columns.fields.items()}
        return ImportPreview(
            object_type, layout.header, layout.mapping(), layout.columns.ignored,
            [dict(zip(layout.header, cells, strict=False)) for _, cells in first], [],
            [(e.line, describe_errors(e.errors, headers)) for e in rejected],
            layout.delimiter,
        )  # fmt: skip

    def _broken_preview(
        self, object_type: str, source: Path, encoding: str, delimiter: str | None,
        overrides: Mapping[str, str | None], exc: ValidationError,
    ) -> ImportPreview:  # fmt: skip
        from opportune.services.imports.source import sniff_delimiter

        if not source.is_file():
            raise NotFoundError(f"No file {source}")
        found = delimiter or sniff_delimiter(source, encoding)
        with CsvSource(source, encoding, found) as csv_source:
            header = csv_source.header
            first = list(itertools.islice(csv_source.rows(), 10))
        mapping = {h: overrides.get(h) for h in header}
        return ImportPreview(
            object_type, header, mapping, [h for h in header if not mapping[h]],
            [dict(zip(header, cells, strict=False)) for _, cells in first], list(exc.fields),
            [], found,
        )  # fmt: skip

    def get(self, actor: User, import_id: int) -> ImportJob:
        """The import with this id."""
        return self._job(import_id)

    def list(self, actor: User, *, limit: int = 50, cursor: str | None = None) -> ImportList:
        """Imports, newest first, ``limit`` at a time (``cursor``: the previous page's
        ``next_cursor``)."""
        before = None
        if cursor:
            if not cursor.isdigit():
                raise ValidationError.single(
                    "cursor", "INVALID_CURSOR", "Not a cursor of this list"
                )
            before = int(cursor)
        size = max(1, min(limit, self.settings.page_size_max))
        with UnitOfWork(self.engine) as uow:
            rows = uow.imports.page(size + 1, before)
        items = [job_of(r) for r in rows[:size]]
        more = len(rows) > size
        return ImportList(items, str(items[-1].id) if more and items else None)

    def error_file(self, actor: User, import_id: int) -> Path | None:
        """The import's error file, when rows were rejected and the file still exists."""
        job = self._job(import_id)
        path = Path(job.error_file) if job.error_file else None
        return path if path is not None and path.is_file() else None

    def _job(self, import_id: int) -> ImportJob:
        with UnitOfWork(self.engine) as uow:
            row = uow.imports.get(import_id)
        if row is None:
            raise NotFoundError.for_record("Import", import_id)
        return job_of(row)

    # --- reverting --------------------------------------------------------------------------

    def revert(self, actor: User, import_id: int) -> ImportJob:
        """Delete the records the import created, except those changed since (edited,
        converted, merged, or with activities, contacts, opportunities or roles attached),
        which are kept and listed in the import's message. Records the import *updated*
        keep their changes. Only the importer, a manager or an admin may revert."""
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.imports.get_for_update(import_id)
            if row is None:
                raise NotFoundError.for_record("Import", import_id)
            job = job_of(row)
            _check_can_revert(actor, job)
            kind = job.object_type
            kept = uow.imports.changed_ids(kind, import_id, limit=20)
            kept_count = (
                len(uow.imports.changed_ids(kind, import_id)) if len(kept) == 20 else len(kept)
            )
            deleted = uow.imports.delete_unchanged(kind, import_id)
            message = _revert_message(kind, deleted, kept_count, kept, job.updated_count)
            uow.imports.change(import_id, status="reverted", reverted_at=self.clock(),
                            reverted_by_id=_id(actor), message=message)  # fmt: skip
            audit(uow, AuditAction.IMPORT_REVERTED, actor, self.clock(), object_type="import",
                  object_id=import_id, details={"object_type": kind, "deleted": deleted,
                                                "kept": kept_count})  # fmt: skip
            uow.commit()
        return self._job(import_id)

    # --- saved mappings ---------------------------------------------------------------------

    def save_mapping(
        self, actor: User, object_type: str, name: str, columns: Mapping[str, str | None]
    ) -> SavedMapping:
        """Save (or replace) a named mapping of headers to fields for this kind of record."""
        check_choices(object_type, "skip", "auto")
        clean = name.strip()
        if not clean or len(clean) > 120:
            raise ValidationError.single(
                "name", "INVALID_NAME", "Give a name of 1 to 120 characters"
            )
        _check_fields(object_type, columns)
        values = {"object_type": object_type, "name": clean, "columns": dict(columns),
                  "created_by_id": _id(actor), "created_at": self.clock()}  # fmt: skip
        with UnitOfWork(self.engine, write=True) as uow:
            uow.imports.save_mapping(values)
            uow.commit()
            found = uow.imports.mapping(object_type, clean)
        assert found is not None
        return SavedMapping(**found)

    def mappings(self, object_type: str | None = None) -> builtins.list[SavedMapping]:
        """Saved mappings by kind and name (of one kind when given)."""
        with UnitOfWork(self.engine) as uow:
            return [SavedMapping(**row) for row in uow.imports.mappings(object_type)]


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id


def _check_can_revert(actor: User, job: ImportJob) -> None:
    if actor.role is Role.REP and actor.id != job.created_by_id:
        raise PermissionDeniedError("Only the importer, a manager or an admin can revert it")
    if job.status == "reverted":
        raise ConflictError(f"Import #{job.id} is already reverted", code="ALREADY_REVERTED")
    if job.status == "running" and runner_alive(job):
        raise ConflictError(f"Import #{job.id} is still running", code="IMPORT_RUNNING")


def _check_fields(object_type: str, columns: Mapping[str, str | None]) -> None:
    from opportune.domain.imports import SPECS

    names = SPECS[object_type].names
    bad = [FieldError(h, "INVALID_FIELD", f"{object_type.capitalize()}s have no field '{f}'")
           for h, f in columns.items() if f is not None and f not in names]  # fmt: skip
    if bad:
        raise ValidationError(bad)


def _revert_message(kind: str, deleted: int, kept: int, examples: list[int], updated: int) -> str:
    parts = [f"Deleted {deleted} {_PLURAL[kind]}"]
    if kept:
        listed = ", ".join(f"#{i}" for i in examples) + (", ..." if kept > len(examples) else "")
        parts.append(f"kept {kept} changed or used since the import ({listed})")
    if updated:
        parts.append(f"{updated} records the import updated keep their changes")
    return "; ".join(parts)


def plural(kind: str) -> str:
    """The plural of a kind of record, for messages."""
    return _PLURAL[kind]
