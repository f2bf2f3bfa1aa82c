"""Sharing settings: org-wide defaults (admins) and sharing single records (their owners)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from opportune.domain.audit import AuditAction
from opportune.domain.sharing import (
    DEFAULT_ORG_ACCESS,
    SHARED_OBJECTS,
    Access,
    OrgAccess,
    Share,
    clean_object_type,
    clean_org_access,
    clean_share_access,
)
from opportune.domain.users import User
from opportune.errors import NotFoundError, PermissionDeniedError, ValidationError
from opportune.services.access import (
    access_to,
    require_access,
    require_owner_access,
    viewer_for,
)
from opportune.services.audit_trail import audit
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RecordShare:
    """One grant of a record to a user or a queue, as the interfaces show it."""

    id: int
    object_type: str
    record_id: int
    access: str
    user_id: int | None
    queue_id: int | None
    grantee: str
    created_at: datetime


class SharingService:
    """Org-wide defaults, record shares, and what a user may do with a record."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def org_defaults(self) -> dict[str, OrgAccess]:
        """Every shared object's org-wide default, built-in defaults filled in."""
        with UnitOfWork(self.engine) as uow:
            stored = uow.sharing.org_defaults()
        return {name: stored.get(name, DEFAULT_ORG_ACCESS[name]) for name in SHARED_OBJECTS}

    def set_org_default(self, actor: User | None, object_type: str, access: str) -> OrgAccess:
        """Change an object's org-wide default (administrators only); audited."""
        require_admin(actor)
        name, chosen = clean_object_type(object_type), clean_org_access(access)
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            before = {**DEFAULT_ORG_ACCESS, **uow.sharing.org_defaults()}[name]
            uow.sharing.set_org_default(name, chosen, now, actor.id if actor else None)
            audit(uow, AuditAction.SHARING_DEFAULT_CHANGED, actor, now, object_type=name,
                  details={"from": before.value, "to": chosen.value})  # fmt: skip
            uow.commit()
        return chosen

    def access(self, actor: User, object_type: str, record_id: int) -> Access:
        """What ``actor`` may do with one record (NONE when hidden or missing)."""
        name = clean_object_type(object_type)
        with UnitOfWork(self.engine) as uow:
            return access_to(uow, viewer_for(uow, actor), name, record_id)

    def can_share(self, actor: User, object_type: str, record_id: int) -> bool:
        """True when ``actor`` may share the record (its owner, their managers, an admin)."""
        name = clean_object_type(object_type)
        with UnitOfWork(self.engine) as uow:
            try:
                require_owner_access(uow, viewer_for(uow, actor), name, record_id)
            except (NotFoundError, PermissionDeniedError):
                return False
            return uow.sharing.owner_of(name, record_id) is not None

    def shares(self, actor: User, object_type: str, record_id: int) -> list[RecordShare]:
        """A record's shares (for anyone who can see the record)."""
        name = clean_object_type(object_type)
        with UnitOfWork(self.engine) as uow:
            require_access(uow, viewer_for(uow, actor), name, record_id)
            if uow.sharing.owner_of(name, record_id) is None:
                raise NotFoundError.for_record(name.capitalize(), record_id)
            return [_share(row) for row in uow.sharing.share_rows(name, record_id)]

    def share(
        self,
        actor: User,
        object_type: str,
        record_id: int,
        *,
        access: str,
        user_id: int | None = None,
        queue_id: int | None = None,
    ) -> RecordShare:
        """Share a record with a user or a queue (its owner, their managers, or an admin)."""
        name, level = clean_object_type(object_type), clean_share_access(access)
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            require_owner_access(uow, viewer_for(uow, actor), name, record_id)
            _check_grantee(uow, user_id, queue_id)
            share_id = uow.sharing.share(
                name, record_id, Share(level, user_id, queue_id), now, _id(actor)
            )
            audit(uow, AuditAction.RECORD_SHARED, actor, now, object_type=name,
                  object_id=record_id, details={"user_id": user_id, "queue_id": queue_id,
                                                "access": level.value})  # fmt: skip
            row = next(r for r in uow.sharing.share_rows(name, record_id) if r["id"] == share_id)
            uow.commit()
        return _share(row)

    def unshare(self, actor: User, share_id: int) -> None:
        """Remove a share (its record's owner, their managers, or an admin)."""
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            row = uow.sharing.get_share(share_id)
            if row is None:
                raise NotFoundError.for_record("Share", share_id)
            name, record_id = row["object_type"], row["record_id"]
            require_owner_access(uow, viewer_for(uow, actor), name, record_id)
            uow.sharing.unshare(share_id)
            audit(uow, AuditAction.RECORD_UNSHARED, actor, now, object_type=name,
                  object_id=record_id, details={"user_id": row["user_id"],
                                                "queue_id": row["queue_id"]})  # fmt: skip
            uow.commit()


def _check_grantee(uow: UnitOfWork, user_id: int | None, queue_id: int | None) -> None:
    """Exactly one of an active user or an existing queue."""
    if (user_id is None) == (queue_id is None):
        raise ValidationError.single("user_id", "REQUIRED_FIELD_MISSING",
                                     "Name either a user or a queue to share with")  # fmt: skip
    if user_id is not None and not uow.users.existing_active_ids([user_id]):
        raise ValidationError.single(
            "user_id", "INVALID_CROSS_REFERENCE_KEY", f"No active user with id {user_id}"
        )
    if queue_id is not None and queue_id not in uow.assignment.queue_names():
        raise ValidationError.single(
            "queue_id", "INVALID_CROSS_REFERENCE_KEY", f"No queue with id {queue_id}"
        )


def _share(row: dict[str, Any]) -> RecordShare:
    grantee = row["user_name"] if row["user_id"] is not None else f"Queue: {row['queue_name']}"
    return RecordShare(
        row["id"], row["object_type"], row["record_id"], row["access"], row["user_id"],
        row["queue_id"], grantee, row["created_at"],
    )  # fmt: skip


def _id(user: User) -> int:
    assert user.id is not None, "actor must be a saved user"
    return user.id
