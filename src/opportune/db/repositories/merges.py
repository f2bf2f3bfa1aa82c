"""Merge records and the set-based moves of related rows.

OWNER: helper "merge".
"""

from __future__ import annotations

from sqlalchemy import Connection


class MergeRepository:
    """Merge records and the set-based moves of related rows."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
