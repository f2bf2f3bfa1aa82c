"""Who may see and edit which records: org-wide defaults, the reporting line, queues, shares.

The rules, in the order they grant access:

1. Administrators see and edit everything.
2. A record's owner, and everyone above the owner in the reporting line (their manager,
   that manager's manager, ...), see and edit it.
3. A lead in a queue is seen and edited by the queue's members (and, as its ``owner_id``
   names, by whoever put it there).
4. A record shared with a user, or with a queue the user belongs to, is seen with the
   share's access (read or edit).
5. Otherwise the object's org-wide default applies: private (nothing), public read-only
   (read), or public read/write (edit).

A record the user may not read does not exist for them: services answer "not found" and
leave it out of every list and count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from opportune.errors import ValidationError


class OrgAccess(StrEnum):
    """An object's org-wide default access for users with no other grant."""

    PRIVATE = "private"
    READ = "read"
    READ_WRITE = "read_write"


class ShareAccess(StrEnum):
    """What a share grants on one record."""

    READ = "read"
    EDIT = "edit"


class Access(IntEnum):
    """What one user may do with one record; ordered, so the best grant is the max."""

    NONE = 0
    READ = 1
    EDIT = 2


# The objects whose records have owners and so can be private.
SHARED_OBJECTS: tuple[str, ...] = ("lead", "account", "contact", "opportunity")

DEFAULT_ORG_ACCESS: Mapping[str, OrgAccess] = {
    "lead": OrgAccess.PRIVATE,
    "opportunity": OrgAccess.PRIVATE,
    "account": OrgAccess.READ,
    "contact": OrgAccess.READ,
}

_ORG_GRANT = {OrgAccess.PRIVATE: Access.NONE, OrgAccess.READ: Access.READ,
              OrgAccess.READ_WRITE: Access.EDIT}  # fmt: skip
_SHARE_GRANT = {ShareAccess.READ: Access.READ, ShareAccess.EDIT: Access.EDIT}


@dataclass(frozen=True, slots=True)
class Viewer:
    """One user's standing for access decisions, loaded once per operation.

    ``owners`` is the user and everyone below them in the reporting line: records those
    users own are the viewer's own for access purposes.
    """

    user_id: int
    is_admin: bool
    owners: frozenset[int]
    queues: frozenset[int]
    defaults: Mapping[str, OrgAccess]

    def default_access(self, object_type: str) -> Access:
        """What the org-wide default alone grants this viewer on ``object_type``."""
        if self.is_admin:
            return Access.EDIT
        return _ORG_GRANT[self.defaults.get(object_type, OrgAccess.PRIVATE)]

    def sees_all(self, object_type: str) -> bool:
        """True when every record of ``object_type`` is readable, so lists need no filter."""
        return self.default_access(object_type) >= Access.READ


@dataclass(frozen=True, slots=True)
class Share:
    """A grant of one record to a user or a queue."""

    access: ShareAccess
    user_id: int | None = None
    queue_id: int | None = None


def record_access(
    viewer: Viewer,
    object_type: str,
    owner_id: int | None,
    queue_id: int | None = None,
    shares: Iterable[Share] = (),
) -> Access:
    """The best access any rule grants ``viewer`` on one record."""
    if viewer.is_admin or owner_id in viewer.owners or queue_id in viewer.queues:
        return Access.EDIT
    best = viewer.default_access(object_type)
    for share in shares:
        if share.user_id == viewer.user_id or share.queue_id in viewer.queues:
            best = max(best, _SHARE_GRANT[share.access])
    return best


def clean_object_type(value: object, field: str = "object_type") -> str:
    """An object name that can carry sharing, or a :class:`ValidationError` naming ``field``."""
    if isinstance(value, str) and value.strip().lower() in SHARED_OBJECTS:
        return value.strip().lower()
    allowed = ", ".join(SHARED_OBJECTS)
    raise ValidationError.single(field, "INVALID_FIELD", f"Must be one of: {allowed}")


def clean_org_access(value: object, field: str = "access") -> OrgAccess:
    """An org-wide default from its name, or a :class:`ValidationError` naming ``field``."""
    try:
        return OrgAccess(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(a.value for a in OrgAccess)
        raise ValidationError.single(field, "INVALID_FIELD", f"Must be one of: {allowed}") from None


def clean_share_access(value: object, field: str = "access") -> ShareAccess:
    """A share's access from its name, or a :class:`ValidationError` naming ``field``."""
    try:
        return ShareAccess(str(value).strip().lower())
    except ValueError:
        raise ValidationError.single(field, "INVALID_FIELD", "Must be read or edit") from None


def check_manager_chain(user_id: int, manager_id: int | None, chain: Iterable[int]) -> None:
    """Refuse a manager that would make the reporting line a loop.

    ``chain`` is the proposed manager followed by everyone above them.
    """
    if manager_id is None:
        return
    if manager_id == user_id or user_id in set(chain):
        raise ValidationError.single(
            "manager_id", "INVALID_CROSS_REFERENCE_KEY", "A user cannot report to themselves"
        )
