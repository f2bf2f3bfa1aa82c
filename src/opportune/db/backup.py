"""Backups: a consistent copy of a live database, and its restore into an empty one.

SQLite backs up through SQLite's own online backup API into a single database file; the
copy is one consistent snapshot even while the server writes (WAL readers never block
writers). PostgreSQL backs up as a logical archive (see :mod:`opportune.db.backup_archive`),
read in one ``REPEATABLE READ READ ONLY`` transaction, with no superuser and no ``pg_dump``.

A restore only goes into an *empty* database: one with no tables at all, or one that is
migrated but holds no rows except the reference lists migrations fill in
(:data:`SEEDED_TABLES`, which the restore replaces). It never leaves a half-restored
database: SQLite restores into a scratch copy first and copies that in one step;
PostgreSQL restores in one transaction (its DDL is transactional too).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.request import pathname2url

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Connection,
    Engine,
    column,
    create_engine,
    func,
    inspect,
    literal,
    select,
    table,
)

from opportune.db import migrate, reference_versions
from opportune.db.engine import is_sqlite, make_engine
from opportune.errors import ConflictError, ValidationError

# Reference lists `opportune db upgrade` fills in: a database holding only these is empty.
SEEDED_TABLES = frozenset(
    {
        "duplicate_rules",
        "lead_close_reasons",
        "lead_sources",
        "lead_statuses",
        "opportunity_lost_reasons",
        "opportunity_stages",
        "reference_versions",
    }
)
SQLITE_HEADER = b"SQLite format 3\x00"
ZIP_HEADER = b"PK\x03\x04"
VERSION_TABLE = "alembic_version"
SCRATCH_PREFIX = "opportune-restore-"


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup file holds: its format, revision and row count per table."""

    path: Path
    format: str  # "sqlite" (a database file) or "archive" (the logical zip archive)
    engine: str  # the engine it was made from: "sqlite" or "postgresql"
    revision: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        """Rows in every table together."""
        return sum(self.tables.values())

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return self.path.stat().st_size


def invalid_file(message: str, code: str = "INVALID_BACKUP") -> ValidationError:
    """The error for a backup file that cannot be used, naming the FILE argument."""
    return ValidationError.single("FILE", code, message)


def backup_database(
    engine: Engine, path: Path, *, created_at: datetime, opportune_version: str
) -> BackupSummary:
    """Write a consistent backup of ``engine``'s database to ``path`` (replaced if it exists).

    The file appears only once complete: it is written next to ``path`` and renamed.
    """
    from opportune.db import backup_archive

    path = path.resolve()
    part = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        if is_sqlite(engine):
            tables, revision = _sqlite_backup(engine, part)
            summary = BackupSummary(path, "sqlite", "sqlite", revision, tables)
        else:
            summary = backup_archive.write_archive(
                engine, part, created_at=created_at, opportune_version=opportune_version
            )
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return BackupSummary(path, summary.format, summary.engine, summary.revision, summary.tables)


# Called inside a restore with the restored database's connection, before the restore
# becomes visible: what it writes (the restore's audit entry) arrives with the data, or not
# at all, even if the process dies in between.
Finish = Callable[[Connection, "BackupSummary"], None]


def restore_database(engine: Engine, path: Path, finish: Finish | None = None) -> BackupSummary:
    """Restore the backup at ``path`` into ``engine``'s empty database, then migrate it to
    the newest revision; ``finish`` adds its rows in the same step. On any failure, or a
    crash, the database is left as it was."""
    from opportune.db import backup_archive

    head = _read_head(path)
    if is_sqlite(engine):
        if head.startswith(ZIP_HEADER):
            raise invalid_file(
                f"{path} is an archive backup of a PostgreSQL database: restore it into "
                "PostgreSQL (an SQLite database restores from an SQLite backup file)",
                "WRONG_BACKUP_FORMAT",
            )
        return _sqlite_restore(engine, path, finish)
    if head.startswith(SQLITE_HEADER):
        raise invalid_file(
            f"{path} is an SQLite backup: restore it into SQLite (a PostgreSQL database "
            "restores from an archive made by `opportune backup` on PostgreSQL)",
            "WRONG_BACKUP_FORMAT",
        )
    return backup_archive.restore_archive(engine, path, finish)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(16)
    except FileNotFoundError:
        raise invalid_file(f"{path} does not exist", "FILE_NOT_FOUND") from None
    except OSError as exc:
        raise invalid_file(f"{path} cannot be read: {exc.strerror or exc}") from None


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the connected database (Opportune's tables, not the search index)."""
    names = [n for n in inspect(conn).get_table_names() if _is_data_table(n)]
    return {
        name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in sorted(names)
    }


def _is_data_table(name: str) -> bool:
    from opportune.db.search import is_search_object

    return name != VERSION_TABLE and not is_search_object(name) and not name.startswith("sqlite_")


def require_empty(conn: Connection) -> None:
    """Refuse a database that holds anything beyond what migrations put there."""
    tables = inspect(conn).get_table_names()
    if tables and VERSION_TABLE not in tables:
        raise ConflictError(
            "The target database has tables but is not an Opportune database: "
            "restore into an empty database"
        )
    for name in sorted(n for n in tables if _is_data_table(n) and n not in SEEDED_TABLES):
        if conn.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
            raise ConflictError(
                f"The target database is not empty (table {name} has rows): a backup only "
                "restores into an empty database (new, or migrated with no users or records)",
                code="DATABASE_NOT_EMPTY",
            )


def check_revision(engine: Engine, revision: str) -> None:
    """Refuse a backup made at a revision this code does not know (a newer Opportune)."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config(engine))
    try:
        found = scripts.get_revision(revision)
    except CommandError:
        found = None
    known = found is not None and found.revision == revision
    if not known:
        raise invalid_file(
            f"The backup is at schema revision {revision}, which this version of Opportune "
            f"does not know (its newest is {scripts.get_current_head()}): restore it with "
            "the Opportune version that made it, or a newer one",
            "BACKUP_TOO_NEW",
        )


# --- SQLite: the online backup API ------------------------------------------------------


def _sqlite_backup(engine: Engine, part: Path) -> tuple[dict[str, int], str]:
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        with closing(sqlite3.connect(part, isolation_level=None)) as target:
            source.backup(target)  # all pages in one step: one consistent snapshot
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        raw.close()
    return _describe_sqlite_file(engine, part)


def _describe_sqlite_file(engine: Engine, path: Path) -> tuple[dict[str, int], str]:
    """Row counts and revision of an SQLite backup file; refuse one that is not."""
    try:
        with (
            _sqlite_file_engine(path, read_only=True) as file_engine,
            file_engine.connect() as conn,
        ):
            check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            if check != "ok":
                raise invalid_file(f"{path} is damaged: {check}")
            revision = migrate_revision(conn)
            if revision is None:
                raise invalid_file(f"{path} is an SQLite database but not an Opportune backup")
            check_revision(engine, revision)
            return table_counts(conn), revision
    except sqlite3.DatabaseError as exc:
        raise invalid_file(f"{path} is not a readable SQLite backup: {exc}") from None
    except Exception as exc:
        orig = getattr(exc, "orig", None)
        if isinstance(orig, sqlite3.DatabaseError):
            raise invalid_file(f"{path} is not a readable SQLite backup: {orig}") from None
        raise


def migrate_revision(conn: Connection) -> str | None:
    """The revision recorded in the connected database, or None when there is none."""
    if VERSION_TABLE not in inspect(conn).get_table_names():
        return None
    found = conn.execute(select(column("version_num")).select_from(table(VERSION_TABLE))).scalar()
    return None if found is None else str(found)


@contextmanager
def _sqlite_file_engine(path: Path, *, read_only: bool = False) -> Iterator[Engine]:
    if read_only:
        engine = create_engine("sqlite://", creator=lambda: _read_only(path))
    else:
        engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def _read_only(path: Path) -> sqlite3.Connection:
    """Open an SQLite file without ever writing to it (not even a journal)."""
    return sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro", uri=True)


def _sqlite_restore(engine: Engine, path: Path, finish: Finish | None) -> BackupSummary:
    _, revision = _describe_sqlite_file(engine, path)
    with engine.connect() as conn:
        require_empty(conn)
        previous = reference_versions.version_before_restore(conn)
        conn.rollback()
    with _scratch_folder() as scratch:
        work = Path(scratch) / "restore.db"
        with closing(_read_only(path)) as source, closing(sqlite3.connect(work)) as copy:
            source.backup(copy)
        with _sqlite_file_engine(work) as work_engine:
            migrate.upgrade(work_engine)  # an older backup comes up to this code's schema
            with work_engine.begin() as conn:
                reference_versions.move_past(conn, previous)
            with work_engine.connect() as conn:
                tables = table_counts(conn)
                conn.rollback()
            summary = BackupSummary(path, "sqlite", "sqlite", revision, tables)
            if finish is not None:  # into the scratch copy, so it arrives with the data
                with work_engine.begin() as conn:
                    finish(conn, summary)
        _copy_into(engine, work)
    return summary


def _scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A scratch folder for a restore, named after this process, once the folders of
    restores whose process died are removed (a killed restore cannot remove its own copy of
    the backup, and each would hold a whole database)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdecimal() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _copy_into(engine: Engine, work: Path) -> None:
    """Copy the prepared database into the target in one step (all or nothing)."""
    raw = engine.raw_connection()
    try:
        target = raw.driver_connection
        assert isinstance(target, sqlite3.Connection)
        with closing(sqlite3.connect(work)) as source:
            source.backup(target)
    finally:
        raw.close()
    engine.dispose()  # pooled connections cached the old schema
