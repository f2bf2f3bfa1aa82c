"""The logical backup archive of a PostgreSQL database: a zip of CSV files and a manifest.

Backup reads every table in one ``REPEATABLE READ READ ONLY`` transaction, so all tables
come from the same snapshot while the server keeps writing, and needs only read access
(no superuser, no ``pg_dump``). Each table is one ``tables/NAME.csv`` written by
``COPY (SELECT columns FROM NAME ORDER BY key) TO STDOUT`` in CSV with a header, which keeps
NULL (unquoted empty) apart from the empty string (``""``) and writes JSON, dates,
timestamps, booleans and numerics in PostgreSQL's own text form. ``manifest.json`` names the
format, the Opportune version, the schema revision, when it was made, and each table's
columns and row count, in foreign-key order.

Restore runs in one transaction: migrate the empty database to the backup's revision,
replace the reference lists migrations filled in, ``COPY ... FROM STDIN`` each table in
the manifest's order, check its row count, move every sequence past the highest id, then
migrate to the newest revision. Any failure rolls all of it back.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from alembic import command
from sqlalchemy import Connection, Engine, Table, delete, func, inspect, select, text
from sqlalchemy import table as sql_table

from opportune.db import migrate, reference_versions
from opportune.db.backup import (
    VERSION_TABLE,
    BackupSummary,
    Finish,
    check_revision,
    invalid_file,
    migrate_revision,
    require_empty,
)
from opportune.db.tables import metadata
from opportune.errors import ConflictError

FORMAT = "opportune-backup-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20
# Text forms that read back the same whatever the server's or the session's settings.
SESSION_SETTINGS = (
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL client_encoding = 'UTF8'",
)


@dataclass(frozen=True, slots=True)
class ArchivedTable:
    """One table in the archive: its name, columns (in file order) and row count."""

    name: str
    columns: list[str]
    rows: int

    @property
    def member(self) -> str:
        """The table's file inside the archive."""
        return f"tables/{self.name}.csv"


def write_archive(
    engine: Engine, path: Path, *, created_at: datetime, opportune_version: str
) -> BackupSummary:
    """Write the archive of ``engine``'s database to ``path`` from one consistent snapshot."""
    with _snapshot(engine) as conn, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        revision = migrate_revision(conn)
        if revision != migrate.head_revision(engine):
            # The archive lists the tables and columns of this code's schema.
            raise ConflictError(
                f"The database is at revision {revision or 'none'} but this Opportune needs "
                f"{migrate.head_revision(engine)}: run `opportune db upgrade` first",
                code="DATABASE_NOT_MIGRATED",
            )
        assert revision is not None
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        tables = [_copy_out(conn, cursor, table, archive) for table in metadata.sorted_tables]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "opportune_version": opportune_version,
            "engine": engine.dialect.name,
            "revision": revision,
            "created_at": created_at.isoformat(),
            "tables": [{"name": t.name, "columns": t.columns, "rows": t.rows} for t in tables],
        }
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
    counts = {t.name: t.rows for t in tables}
    return BackupSummary(path, "archive", engine.dialect.name, revision, counts)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        for statement in SESSION_SETTINGS:
            conn.exec_driver_sql(statement)
        yield conn


def _copy_out(
    conn: Connection, cursor: Any, table: Table, archive: zipfile.ZipFile
) -> ArchivedTable:
    quote = conn.dialect.identifier_preparer.quote
    columns = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key.columns] or columns
    rows = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    found = ArchivedTable(table.name, columns, rows)
    # Identifiers come from the table definitions, quoted: no input reaches this SQL.
    query = (
        f"SELECT {', '.join(map(quote, columns))} FROM {quote(table.name)} "  # noqa: S608
        f"ORDER BY {', '.join(map(quote, keys))}"
    )
    with (
        archive.open(found.member, "w", force_zip64=True) as out,
        cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
    ):
        for data in copy:
            out.write(data)
    return found


def restore_archive(engine: Engine, path: Path, finish: Finish | None = None) -> BackupSummary:
    """Restore the archive at ``path`` into ``engine``'s empty database, all or nothing;
    ``finish`` adds its rows in the same transaction."""
    try:
        with zipfile.ZipFile(path) as archive:
            revision, tables = _read_manifest(engine, path, archive)
            with engine.connect() as conn, conn.begin():
                require_empty(conn)
                previous = reference_versions.version_before_restore(conn)
                for statement in SESSION_SETTINGS:
                    conn.exec_driver_sql(statement)
                _migrate(conn, revision)
                _load(conn, archive, tables)
                _reset_sequences(conn)
                _migrate(conn, "head")
                reference_versions.move_past(conn, previous)
                summary = BackupSummary(path, "archive", "postgresql", revision,
                                        {t.name: t.rows for t in tables})  # fmt: skip
                if finish is not None:
                    finish(conn, summary)
    except zipfile.BadZipFile as exc:
        raise invalid_file(f"{path} is not a readable backup archive: {exc}") from None
    return summary


def _read_manifest(
    engine: Engine, path: Path, archive: zipfile.ZipFile
) -> tuple[str, list[ArchivedTable]]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
        if manifest.get("format") != FORMAT:
            raise ValueError("not an Opportune backup archive")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"archive format version {manifest.get('format_version')} is unknown")
        tables = [ArchivedTable(str(t["name"]), list(t["columns"]), int(t["rows"]))
                  for t in manifest["tables"]]  # fmt: skip
        revision = str(manifest["revision"])
    except (KeyError, TypeError, ValueError) as exc:
        raise invalid_file(f"{path} has no valid manifest: {exc}") from None
    missing = [t.member for t in tables if t.member not in archive.namelist()]
    if missing:
        raise invalid_file(f"{path} is incomplete: {', '.join(missing)} missing")
    check_revision(engine, revision)
    return revision, tables


def _migrate(conn: Connection, revision: str) -> None:
    """Move the schema to ``revision`` inside the caller's transaction."""
    config = migrate.alembic_config(conn.engine)
    config.attributes["connection"] = conn
    current = migrate_revision(conn)
    if current is not None and revision != "head" and _is_newer(conn, current, revision):
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def _is_newer(conn: Connection, current: str, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config(conn.engine))
    return revision in {r.revision for r in scripts.iterate_revisions(current, "base")} and (
        current != revision
    )


def _load(conn: Connection, archive: zipfile.ZipFile, tables: list[ArchivedTable]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    unknown = {t.name for t in tables} - set(inspect(conn).get_table_names()) | (
        {VERSION_TABLE} & {t.name for t in tables}
    )
    if unknown:
        raise invalid_file(f"The archive names tables the schema lacks: {', '.join(unknown)}")
    for table in reversed(tables):  # the reference lists migrations filled in
        conn.execute(delete(sql_table(table.name)))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for table in tables:
        columns = ", ".join(map(quote, table.columns))
        name = quote(table.name)
        sql = f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        try:
            with archive.open(table.member) as source, cursor.copy(sql) as copy:
                _stream(source, copy)
        except psycopg.Error as exc:
            raise invalid_file(f"{table.member} does not load: {exc}") from None
        if cursor.rowcount != table.rows:
            raise invalid_file(
                f"{table.member} holds {cursor.rowcount} rows but the manifest says {table.rows}"
            )


def _stream(source: IO[bytes], copy: Any) -> None:
    while chunk := source.read(CHUNK):
        copy.write(chunk)


# Every sequence owned by a column (serial or identity), with its table and column.
OWNED_SEQUENCES = """
SELECT seq.relname AS sequence, tbl.relname AS table_name, col.attname AS column_name
FROM pg_depend dep
JOIN pg_class seq ON seq.oid = dep.objid AND seq.relkind = 'S'
JOIN pg_class tbl ON tbl.oid = dep.refobjid
JOIN pg_namespace ns ON ns.oid = tbl.relnamespace AND ns.nspname = current_schema()
JOIN pg_attribute col ON col.attrelid = tbl.oid AND col.attnum = dep.refobjsubid
WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
  AND dep.deptype IN ('a', 'i')
"""


def _reset_sequences(conn: Connection) -> None:
    """Move each sequence past its column's highest value, so new rows get new ids."""
    quote = conn.dialect.identifier_preparer.quote
    for sequence, table, column in conn.execute(text(OWNED_SEQUENCES)).all():
        conn.execute(
            text(
                "SELECT setval(CAST(:sequence AS regclass), "  # noqa: S608 - quoted names
                f"coalesce(max({quote(column)}), 0) + 1, false) FROM {quote(table)}"
            ),
            {"sequence": quote(sequence)},
        )
