"""What the audit log records: one stable action name per kind of event."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """The kinds of audited event. Names are stable: filters and integrations use them."""

    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    LOGOUT_EVERYWHERE = "logout.everywhere"
    TOKEN_CREATED = "token.created"
    TOKEN_USED = "token.used"
    TOKEN_REVOKED = "token.revoked"
    TOKEN_REFUSED = "token.refused"
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
    IMPORT_REVERTED = "import.reverted"
    MERGED = "merge"
    CONVERTED = "conversion"
    CONVERSION_UNDONE = "conversion.undone"
    DELETED = "record.deleted"
    RESTORED = "record.restored"
    PURGED = "record.purged"
    BACKUP = "backup"
