"""Notifications: adding them, a user's list, and marking them read."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from opportune.db import tables as t
from opportune.domain.notifications import Notification


class NotificationRepository:
    """Notifications, always by their user."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_many(self, notices: Sequence[Notification]) -> None:
        """Store notifications."""
        if notices:
            rows = [{k: v for k, v in dataclasses.asdict(n).items() if k != "id"} for n in notices]
            self.conn.execute(insert(t.notifications), rows)

    def of_user(self, user_id: int, *, unread_only: bool, limit: int) -> list[Notification]:
        """The user's notifications, newest first."""
        n = t.notifications.c
        stmt = select(t.notifications).where(n.user_id == user_id)
        if unread_only:
            stmt = stmt.where(n.read_at.is_(None))
        stmt = stmt.order_by(n.created_at.desc(), n.id.desc()).limit(limit)
        return [Notification(**row) for row in self.conn.execute(stmt).mappings()]

    def mark_read(self, notification_id: int, user_id: int, at: datetime) -> bool:
        """Mark one of the user's notifications read; False when the user has no such one."""
        n = t.notifications.c
        stmt = update(t.notifications).where(n.id == notification_id, n.user_id == user_id)
        stmt = stmt.values(read_at=at).where(n.read_at.is_(None))
        if self.conn.execute(stmt).rowcount == 1:
            return True
        exists = select(n.id).where(n.id == notification_id, n.user_id == user_id)
        return self.conn.execute(exists).first() is not None
