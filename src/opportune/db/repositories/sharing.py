"""Org-wide defaults, record shares, queue memberships and record owners for access checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.db.visibility import OWNED_TABLES
from opportune.domain.sharing import OrgAccess, Share, ShareAccess


class SharingRepository:
    """The stored side of record-level access."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def org_defaults(self) -> dict[str, OrgAccess]:
        """The org-wide defaults an admin has set (objects at the built-in default are absent)."""
        rows = self.conn.execute(select(t.org_defaults.c.object_type, t.org_defaults.c.access))
        return {row.object_type: OrgAccess(row.access) for row in rows}

    def set_org_default(
        self, object_type: str, access: OrgAccess, at: datetime, by_id: int | None
    ) -> None:
        """Store an object's org-wide default."""
        table = t.org_defaults
        values = {"access": access.value, "updated_at": at, "updated_by_id": by_id}
        stmt = update(table).where(table.c.object_type == object_type).values(values)
        if self.conn.execute(stmt).rowcount == 0:
            self.conn.execute(insert(table).values(object_type=object_type, **values))

    def queues_of(self, user_id: int) -> set[int]:
        """The queues the user is a member of."""
        stmt = select(t.queue_members.c.queue_id).where(t.queue_members.c.user_id == user_id)
        return set(self.conn.execute(stmt).scalars())

    def owner_of(self, object_type: str, record_id: int) -> tuple[int, int | None] | None:
        """``(owner_id, queue_id)`` of a record, or None when it does not exist."""
        table = OWNED_TABLES[object_type]
        queue = table.c.queue_id if "queue_id" in table.c else None
        columns = [table.c.owner_id] + ([queue] if queue is not None else [])
        row = self.conn.execute(select(*columns).where(table.c.id == record_id)).first()
        if row is None:
            return None
        return row[0], (row[1] if queue is not None else None)

    def shares_on(self, object_type: str, record_id: int) -> list[Share]:
        """Every share of one record."""
        rs = t.record_shares
        stmt = select(rs.c.access, rs.c.user_id, rs.c.queue_id).where(
            rs.c.object_type == object_type, rs.c.record_id == record_id
        )
        return [
            Share(ShareAccess(r.access), r.user_id, r.queue_id) for r in self.conn.execute(stmt)
        ]

    def share_rows(self, object_type: str, record_id: int) -> list[dict[str, Any]]:
        """One record's shares with the grantee's name, oldest first."""
        rs, users, queues = t.record_shares, t.users, t.queues
        stmt = (
            select(rs, users.c.name.label("user_name"), queues.c.name.label("queue_name"))
            .outerjoin(users, users.c.id == rs.c.user_id)
            .outerjoin(queues, queues.c.id == rs.c.queue_id)
            .where(rs.c.object_type == object_type, rs.c.record_id == record_id)
            .order_by(rs.c.id)
        )
        return [dict(r._mapping) for r in self.conn.execute(stmt)]

    def share(
        self, object_type: str, record_id: int, grant: Share, at: datetime, by_id: int
    ) -> int:
        """Grant access (replacing an earlier grant to the same user or queue); the share id."""
        rs = t.record_shares
        same = (
            rs.c.object_type == object_type,
            rs.c.record_id == record_id,
            rs.c.user_id == grant.user_id if grant.user_id else rs.c.user_id.is_(None),
            rs.c.queue_id == grant.queue_id if grant.queue_id else rs.c.queue_id.is_(None),
        )
        found = self.conn.execute(select(rs.c.id).where(*same)).scalar()
        if found is not None:
            self.conn.execute(update(rs).where(rs.c.id == found).values(access=grant.access.value))
            return int(found)
        values = {"object_type": object_type, "record_id": record_id, "user_id": grant.user_id,
                  "queue_id": grant.queue_id, "access": grant.access.value, "created_at": at,
                  "created_by_id": by_id}  # fmt: skip
        return new_id(self.conn.execute(insert(rs).values(values)))

    def get_share(self, share_id: int) -> dict[str, Any] | None:
        """One share by id."""
        row = self.conn.execute(select(t.record_shares).where(t.record_shares.c.id == share_id))
        found = row.first()
        return dict(found._mapping) if found else None

    def unshare(self, share_id: int) -> None:
        """Remove one share."""
        self.conn.execute(delete(t.record_shares).where(t.record_shares.c.id == share_id))

    def remove_record_shares(self, object_type: str, record_ids: list[int]) -> None:
        """Forget the shares of deleted records."""
        rs = t.record_shares
        self.conn.execute(
            delete(rs).where(rs.c.object_type == object_type, rs.c.record_id.in_(record_ids))
        )
