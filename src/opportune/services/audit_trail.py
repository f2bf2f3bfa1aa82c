"""Writing audit entries from the services, in the transaction of the change they record.

The client's IP address reaches the services through a context variable that the web
application sets per request (``None`` for the CLI and the library), so service methods
need no extra parameter for it.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
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
