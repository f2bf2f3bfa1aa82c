"""Imports, saved column mappings and the rows imports create.

OWNER: helper "import-engine".
"""

from __future__ import annotations

from sqlalchemy import Connection


class ImportRepository:
    """Imports, saved column mappings and the rows imports create."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
