"""Bulk writing for the reports benchmark's data set: the fastest path each database offers.

SQLite: the stdlib driver's ``executemany`` on its own connection, in one transaction, with
the rollback journal in memory and no syncing (a crash mid-load leaves a file to throw
away; the benchmark then makes a new one). PostgreSQL: psycopg ``COPY``. On both, the
secondary indexes of the loaded tables (and SQLite's search-index triggers) are dropped
first and recreated from their own definitions afterwards (sorting once is much faster
than growing a dozen B-trees row by row), so whatever indexes the migrations define are
the ones rebuilt. Values are given as each driver takes them: SQLite gets moments and days
as the text SQLAlchemy stores, PostgreSQL gets datetime and date objects.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from opportune import Opportune
from opportune.db.search import SQLITE_TABLE

# Tables the data set fills (their indexes are suspended while loading).
TABLES = ("accounts", "contacts", "leads", "lead_conversions", "opportunities",
          "opportunity_history", "opportunity_stage_periods")  # fmt: skip
# Tables given explicit ids (PostgreSQL's id sequences are moved past them afterwards).
NUMBERED = ("accounts", "contacts", "leads", "opportunities")
Row = Sequence[object]


class Loader:
    """Writes rows into one database; counts them per table. Subclassed per engine."""

    def __init__(self, origin: datetime) -> None:
        self.origin = origin
        self.rows: Counter[str] = Counter()

    def moment(self, seconds: int | None) -> object:
        """The moment ``seconds`` after the data's origin, as the driver takes it."""
        return None if seconds is None else self.origin + timedelta(seconds=seconds)

    def day(self, seconds: int) -> object:
        """The (UTC) day of that moment, as the driver takes it."""
        return (self.origin + timedelta(seconds=seconds)).date()

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order)."""
        raise NotImplementedError

    def suspend_indexes(self) -> None:
        """Drop the loaded tables' secondary indexes, remembering their definitions."""
        raise NotImplementedError

    def restore_indexes(self) -> None:
        """Recreate what :meth:`suspend_indexes` dropped."""
        raise NotImplementedError

    def commit(self) -> None:
        """Commit what was written."""
        raise NotImplementedError

    def analyze(self) -> None:
        """Gather the planner's statistics."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""
        raise NotImplementedError


def open_loader(core: Opportune, origin: datetime) -> Loader:
    """The loader for ``core``'s database (its engine's pooled connections are released)."""
    core.engine.dispose()
    url = make_url(str(core.settings.database_url))
    if url.get_backend_name() == "sqlite":
        return SqliteLoader(str(url.database), origin)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresLoader(dsn, origin)


class SqliteLoader(Loader):
    """``executemany`` in one transaction on a connection of its own."""

    def __init__(self, path: str, origin: datetime) -> None:
        super().__init__(origin)
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=MEMORY", "synchronous=OFF", "cache_size=-262144",
                       "temp_store=MEMORY", "foreign_keys=ON"):  # fmt: skip
            self.conn.execute(f"PRAGMA {pragma}")
        self.saved: list[tuple[str, str, str]] = []
        # Seconds from day 1 of year 1 to the origin, so a moment splits into day and time.
        self.start = origin.toordinal() * 86_400 + origin.hour * 3600 + origin.minute * 60
        self.start += origin.second
        self.days: dict[int, str] = {}
        self.conn.execute("BEGIN")

    def moment(self, seconds: int | None) -> object:
        """SQLAlchemy's SQLite text for a naive UTC datetime (whole seconds: the data has no
        fractions), built from cached day texts: formatting datetimes costs more."""
        if seconds is None:
            return None
        day, second = divmod(self.start + seconds, 86_400)
        minutes, second = divmod(second, 60)
        return f"{self._day_text(day)} {minutes // 60:02d}:{minutes % 60:02d}:{second:02d}.000000"

    def day(self, seconds: int) -> object:
        """ISO date text."""
        return self._day_text((self.start + seconds) // 86_400)

    def _day_text(self, day: int) -> str:
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = date.fromordinal(day).isoformat()
        return text

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """One ``executemany``; the transaction stays open until :meth:`commit`."""
        if rows:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            self.conn.executemany(sql, rows)
            self.rows[table] += len(rows)

    def suspend_indexes(self) -> None:
        """Drop the indexes and triggers (the search index's) of the loaded tables."""
        marks = ", ".join("?" * len(TABLES))
        self.saved = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "  # noqa: S608
            f"AND tbl_name IN ({marks}) AND sql IS NOT NULL",
            TABLES,
        ).fetchall()
        for kind, name, _sql in self.saved:
            self.conn.execute(f'DROP {kind.upper()} "{name}"')

    def restore_indexes(self) -> None:
        """Recreate the indexes, fill the search index in one pass, then recreate its triggers."""
        self.conn.execute("BEGIN")
        for kind, _name, sql in self.saved:
            if kind == "index":
                self.conn.execute(sql)
        triggers = [sql for kind, _name, sql in self.saved if kind == "trigger"]
        if any(SQLITE_TABLE in sql for sql in triggers):
            self.conn.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')")  # noqa: S608
        for sql in triggers:
            self.conn.execute(sql)
        self.conn.execute("COMMIT")

    def commit(self) -> None:
        """Commit the load."""
        self.conn.execute("COMMIT")

    def analyze(self) -> None:
        """``ANALYZE``, then back to the WAL journal the application uses."""
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        """Close the connection (rolling back anything uncommitted)."""
        self.conn.close()


class PostgresLoader(Loader):
    """psycopg ``COPY``, committed table by table."""

    def __init__(self, dsn: str, origin: datetime) -> None:
        import psycopg  # only the PostgreSQL runs need it

        super().__init__(origin)
        self.conn: Any = psycopg.connect(dsn)
        self.conn.execute("SET maintenance_work_mem = '256MB'")
        self.conn.execute("SET synchronous_commit = off")
        self.saved: list[str] = []

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """One ``COPY ... FROM STDIN`` of ``rows``."""
        if not rows:
            return
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        self.rows[table] += len(rows)

    def suspend_indexes(self) -> None:
        """Drop the loaded tables' foreign keys (checked row by row they cost more than the
        COPY) and the secondary indexes no constraint owns, keeping their definitions."""
        tables = (list(TABLES),)
        keys = self.conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            tables,
        ).fetchall()
        indexes = self.conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) "
            "AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            tables,
        ).fetchall()
        for table, name, _definition in keys:
            self.conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            self.conn.execute(f"DROP INDEX {name}")
        self.saved = [definition for _name, definition in indexes]
        self.saved += [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                       for table, name, definition in keys]  # fmt: skip
        self.conn.commit()

    def restore_indexes(self) -> None:
        """Recreate the indexes, then the foreign keys (each checked in one pass over its
        table), then move the id sequences past the explicit ids."""
        for definition in self.saved:
            self.conn.execute(definition)
        for table in NUMBERED:
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        self.conn.commit()

    def commit(self) -> None:
        """Commit the load."""
        self.conn.commit()

    def analyze(self) -> None:
        """``VACUUM ANALYZE`` (outside a transaction): statistics and the visibility map."""
        self.conn.autocommit = True
        self.conn.execute("VACUUM ANALYZE")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()
