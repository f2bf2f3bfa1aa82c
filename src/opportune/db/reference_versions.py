"""The version of the small tables each process keeps a copy of (migration 0015).

Triggers bump the one row of ``reference_versions`` whenever users, picklists, stages, queues
or org-wide defaults change, in the same transaction as the change, so whoever reads the
version knows whether copies made at that version are current.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, select, update

from opportune.db import tables as t

TABLE = t.reference_versions
# Built once: statements this hot are not worth rebuilding (and re-keying) per request.
CURRENT = select(TABLE.c.version).where(TABLE.c.id == 1)


def current_version(conn: Connection) -> int:
    """The version the connection's transaction sees."""
    return int(conn.execute(CURRENT).scalar_one())


def version_before_restore(conn: Connection) -> int:
    """The version of a database about to be overwritten (0 when it has no version yet)."""
    if TABLE.name not in inspect(conn).get_table_names():
        return 0
    return int(conn.execute(CURRENT).scalar() or 0)


def move_past(conn: Connection, previous: int) -> None:
    """Put the version of a restored database past ``previous``, the version before the
    restore: copies made before it, at any version up to ``previous``, are then out of date
    whatever version the backup carried."""
    moved = TABLE.c.version + previous + 1
    conn.execute(update(TABLE).where(TABLE.c.id == 1).values(version=moved))
