"""Writing audit entries from the services, in the transaction of the change they record.

The client's IP address reaches the services through a context variable that the web
application sets per request (``None`` for the CLI and the library), so service methods
need no extra parameter for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from enum import Enum
from typing import Any

from opportune.domain.audit import AuditAction
from opportune.domain.users import User
from opportune.services.uow import UnitOfWork

_client_ip: ContextVar[str | None] = ContextVar("opportune_client_ip", default=None)


def set_client_ip(ip: str | None) -> None:
    """Name the client of the current request (called by the web application)."""
    _client_ip.set(ip)


def client_ip() -> str | None:
    """The current request's client IP, or ``None`` outside a request."""
    return _client_ip.get()


def audit(
    uow: UnitOfWork,
    action: AuditAction,
    actor: User | int | None,
    at: datetime,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry in ``uow``'s transaction (committed, or rolled back, with it)."""
    actor_id = actor.id if isinstance(actor, User) else actor
    uow.audit.add(
        str(action), at=at, actor_id=actor_id, object_type=object_type,
        object_id=object_id, ip=client_ip(), details=details,
    )  # fmt: skip


# Never written to an entry, whatever a caller passes in ``before``/``after``.
SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})
# Stamps that change with every save: left out of before/after.
STAMP_FIELDS = frozenset({"created_at", "updated_at", "version"})


def changes(before: object | None, after: object) -> dict[str, Any]:
    """The fields of two dataclass records (or mappings) that differ, as ``{"before": ..,
    "after": ..}`` (secrets and stamps left out; values JSON-safe)."""
    old = _fields(before) if before is not None else {}
    new = _fields(after)
    left_out = SECRET_FIELDS | STAMP_FIELDS
    names = [n for n in new if n not in left_out and old.get(n) != new[n]]
    if before is None:
        return {"after": {n: new[n] for n in names}}
    return {"before": {n: old.get(n) for n in names}, "after": {n: new[n] for n in names}}


def setting_changed(
    uow: UnitOfWork,
    actor: User | int | None,
    at: datetime,
    setting: str,
    before: object | None,
    after: object | None,
    **details: Any,
) -> None:
    """Record a change to a setting: ``before`` is ``None`` when it was created, ``after``
    when it was deleted; the entry names the setting (its ``id``) and the fields changed."""
    record = _fields(after if after is not None else before)
    object_id = record.get("id")
    if after is None:
        kept = {k: v for k, v in record.items() if k not in SECRET_FIELDS | STAMP_FIELDS}
        change, diff = "deleted", {"before": kept}
    else:
        change, diff = ("created" if before is None else "changed"), changes(before, after)
    audit(uow, AuditAction.SETTING_CHANGED, actor, at, object_type=setting,
          object_id=object_id if isinstance(object_id, int) else None,
          details={"change": change, **diff, **details})  # fmt: skip


def _fields(record: object) -> dict[str, Any]:
    """A dataclass record's fields (or a mapping's items) as JSON-safe values."""
    if isinstance(record, Mapping):
        return {str(k): _json_safe(v) for k, v in record.items()}
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return {}
    return {f.name: _json_safe(getattr(record, f.name)) for f in dataclasses.fields(record)}


def _json_safe(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    return str(value)
