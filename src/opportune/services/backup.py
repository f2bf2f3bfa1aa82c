"""Backing up a running installation and restoring a backup into an empty database."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from opportune.db.backup import BackupSummary, backup_database, restore_database
from opportune.db.repositories.audit import AuditRepository
from opportune.domain.audit import AuditAction
from opportune.domain.users import User
from opportune.errors import ConflictError, ValidationError
from opportune.services.audit_trail import audit, client_ip
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BackupResult:
    """A finished backup: where, how big, what it holds, and how long it took."""

    path: Path
    format: str
    revision: str
    bytes: int
    tables: int
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """The result as plain values (the CLI's ``--json``)."""
        return {
            "path": str(self.path), "format": self.format, "revision": self.revision,
            "bytes": self.bytes, "tables": self.tables, "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """A finished restore: from where, the backup's revision, what it loaded, how long."""

    path: Path
    format: str
    revision: str
    tables: int
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """The result as plain values (the CLI's ``--json``)."""
        return {
            "path": str(self.path), "format": self.format, "revision": self.revision,
            "tables": self.tables, "rows": self.rows, "seconds": round(self.seconds, 3),
        }  # fmt: skip


class BackupService:
    """Consistent backups of the live database, and restores into an empty one."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def backup(self, actor: User | None, path: Path, *, force: bool = False) -> BackupResult:
        """Back up the database to ``path`` while it keeps serving; administrators only.

        An existing ``path`` is refused unless ``force``; a failed backup leaves it as it was.
        """
        require_admin(actor)
        path = Path(path)
        if path.is_dir():
            raise ValidationError.single("FILE", "IS_A_DIRECTORY", f"{path} is a folder")
        if path.exists() and not force:
            raise ConflictError(f"{path} already exists: choose another file or use --force",
                                code="FILE_EXISTS")  # fmt: skip
        if not path.parent.is_dir():
            raise ValidationError.single(
                "FILE", "FOLDER_NOT_FOUND", f"the folder {path.parent} does not exist"
            )
        from opportune import __version__  # the package imports the services first

        started = time.perf_counter()
        summary = backup_database(
            self.engine, path, created_at=self.clock(), opportune_version=__version__
        )
        result = _backup_result(summary, time.perf_counter() - started)
        self._record(AuditAction.BACKUP, actor, result.as_dict())
        return result

    def restore(self, path: Path) -> RestoreResult:
        """Restore the backup at ``path`` into this (empty) database and migrate it to the
        newest revision; the audit entry goes into the restored database, in the same step
        as the data (a restore is never there without its entry, even after a crash)."""
        started = time.perf_counter()
        results: list[RestoreResult] = []

        def record(conn: Connection, summary: BackupSummary) -> None:
            results.append(_restore_result(summary, time.perf_counter() - started))
            AuditRepository(conn).add(str(AuditAction.RESTORE), at=self.clock(), actor_id=None,
                                      ip=client_ip(), details=results[-1].as_dict())  # fmt: skip

        restore_database(self.engine, Path(path), record)
        return results[-1]

    def _record(self, action: AuditAction, actor: User | None, details: dict[str, object]) -> None:
        with UnitOfWork(self.engine, write=True) as uow:
            audit(uow, action, actor, self.clock(), details=details)
            uow.commit()


def _restore_result(summary: BackupSummary, seconds: float) -> RestoreResult:
    return RestoreResult(summary.path.resolve(), summary.format, summary.revision,
                         len(summary.tables), summary.rows, seconds)  # fmt: skip


def _backup_result(summary: BackupSummary, seconds: float) -> BackupResult:
    return BackupResult(
        summary.path, summary.format, summary.revision, summary.size,
        len(summary.tables), summary.rows, seconds,
    )  # fmt: skip
