"""Assignment rules and entries, queues and members, round-robin groups.

OWNER: helper "assignment".
"""

from __future__ import annotations

from sqlalchemy import Connection


class AssignmentRepository:
    """Assignment rules and entries, queues and members, round-robin groups."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
