"""Sign-in attempts, kept to throttle password guessing by email and by client address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from opportune.db import tables as t


class LoginAttemptRepository:
    """Access to ``login_attempts``: one row per sign-in try, successful or not."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, email: str, ip: str | None, at: datetime, *, succeeded: bool) -> None:
        """Record one attempt."""
        values = {"email": email, "ip": ip, "at": at, "succeeded": succeeded}
        self.conn.execute(insert(t.login_attempts).values(values))

    def failures_for_email(self, email: str, since: datetime) -> list[datetime]:
        """When this email's failed attempts since ``since`` and after its last successful
        sign-in happened, oldest first."""
        la = t.login_attempts
        last_ok = select(func.coalesce(func.max(la.c.id), 0)).where(
            la.c.email == email, la.c.succeeded
        )
        stmt = (
            select(la.c.at)
            .where(la.c.email == email, ~la.c.succeeded, la.c.at >= since)
            .where(la.c.id > last_ok.scalar_subquery())
            .order_by(la.c.id)
        )
        return list(self.conn.execute(stmt).scalars())

    def failures_from_ip(self, ip: str, since: datetime) -> list[datetime]:
        """When failed attempts from this address since ``since`` happened, oldest first
        (a success does not reset them: one account of one's own must not unlock guessing)."""
        la = t.login_attempts
        stmt = select(la.c.at).where(la.c.ip == ip, ~la.c.succeeded, la.c.at >= since)
        return list(self.conn.execute(stmt.order_by(la.c.id)).scalars())

    def purge_before(self, when: datetime) -> int:
        """Forget attempts older than ``when``; return how many were removed."""
        stmt = delete(t.login_attempts).where(t.login_attempts.c.at < when)
        return int(self.conn.execute(stmt).rowcount)
