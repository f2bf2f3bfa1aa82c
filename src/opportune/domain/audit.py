"""What the audit log records: one stable action name per kind of event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    """The kinds of audited event. Names are stable: filters and integrations use them."""

    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    LOGOUT_EVERYWHERE = "logout.everywhere"
    TOKEN_CREATED = "token.created"  # noqa: S105 - an action name
    TOKEN_USED = "token.used"  # noqa: S105 - an action name
    TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an action name
    TOKEN_REFUSED = "token.refused"  # noqa: S105 - an action name
    CSRF_REFUSED = "csrf.refused"
    ACCESS_REFUSED = "access.refused"
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"
    SETTING_CHANGED = "setting.changed"
    SHARING_DEFAULT_CHANGED = "sharing.default_changed"
    RECORD_SHARED = "record.shared"
    RECORD_UNSHARED = "record.unshared"
    EXPORTED = "export"
    IMPORTED = "import"
    IMPORT_FINISHED = "import.finished"
    IMPORT_REVERTED = "import.reverted"
    MERGED = "merge"
    MERGE_UNDONE = "merge.undone"
    CONVERTED = "conversion"
    CONVERSION_UNDONE = "conversion.undone"
    DELETED = "record.deleted"
    RESTORED = "record.restored"
    PURGED = "record.purged"
    BACKUP = "backup"
    RESTORE = "backup.restored"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded event: when, who, what, on which object, from where, and small details."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str | None = None
    object_id: int | None = None
    ip: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # Filled in when read for display: the actor's email address.
    actor_email: str | None = None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """A resolved audit log filter (an empty tuple or ``None`` filters nothing out)."""

    actions: tuple[str, ...] = ()
    actor_ids: tuple[int, ...] = ()
    object_type: str | None = None
    object_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    ip: str | None = None


def matching_actions(pattern: str) -> tuple[str, ...]:
    """The action names ``pattern`` names: one name, or every name under ``prefix.*``."""
    if pattern.endswith(".*"):
        stem = pattern[:-2]
        return tuple(
            a.value for a in AuditAction if a.value == stem or a.value.startswith(stem + ".")
        )
    return tuple(a.value for a in AuditAction if a.value == pattern)
