"""Duplicate rules, candidate lookups by match keys, duplicate reports.

OWNER: helper "duplicates".
"""

from __future__ import annotations

from sqlalchemy import Connection


class DuplicateRepository:
    """Duplicate rules, candidate lookups by match keys, duplicate reports."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
