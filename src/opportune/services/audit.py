"""Reading the audit log: administrators list and filter it; nothing can change an entry.

Entries are written by the services themselves (:mod:`opportune.services.audit_trail`),
in the transaction of the change they record. This service only reads: there is no
method, route or command that edits or deletes an entry.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine

from opportune.db.repositories._keyset import KeysetRequest
from opportune.domain.audit import AuditEntry, AuditQuery, matching_actions
from opportune.domain.listing import MAX_ROW_ID, Cursor, Page
from opportune.domain.text import has_control_characters
from opportune.domain.users import Role, User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services.list_filters import FilterResolver, split
from opportune.services.permissions import require_admin
from opportune.services.uow import UnitOfWork
from opportune.settings import Settings

OBJECT_TYPE_MAX = 40


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """Audit log filters in user terms.

    ``action`` holds action names or ``prefix.*`` (``login.*``); ``user`` holds user ids,
    emails or ``me``; ``since`` and ``until`` are days, both included; ``cursor`` is a
    page's ``next_cursor``. Entries come newest first.
    """

    action: Sequence[str] = ()
    user: Sequence[str] = ()
    object_type: str | None = None
    object_id: int | None = None
    since: date | None = None
    until: date | None = None
    ip: str | None = None
    cursor: str | None = None
    limit: int = 50


class AuditService:
    """The audit log, read-only, for administrators."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    def list(self, actor: User | None, filters: AuditFilters | None = None) -> Page[AuditEntry]:
        """One page of entries matching ``filters``, newest first (administrators only)."""
        require_admin(actor)
        filters = filters or AuditFilters(limit=self.settings.page_size_default)
        with UnitOfWork(self.engine) as uow:
            users = uow.users.all()
            query, request = _resolve(filters, users, actor, self.settings.page_size_max)
            page = uow.audit.page(query, request)
        emails = {u.id: u.email for u in users}
        items = [
            dataclasses.replace(e, actor_email=emails.get(e.actor_id or 0)) for e in page.items
        ]
        return dataclasses.replace(page, items=items)

    def get(self, actor: User | None, entry_id: int) -> AuditEntry:
        """One entry (administrators only); :class:`NotFoundError` when there is none."""
        require_admin(actor)
        with UnitOfWork(self.engine) as uow:
            entry = uow.audit.get(entry_id) if 0 < entry_id <= MAX_ROW_ID else None
            if entry is None:
                raise NotFoundError(f"No audit entry {entry_id}")
            user = uow.users.get(entry.actor_id) if entry.actor_id else None
        return dataclasses.replace(entry, actor_email=user.email if user else None)


def _resolve(
    filters: AuditFilters, users: Sequence[User], actor: User | None, max_limit: int
) -> tuple[AuditQuery, KeysetRequest]:
    """The query and page of ``filters``; raise one error naming every bad filter."""
    resolver = FilterResolver(users=users, actor=_stand_in(actor), max_limit=max_limit)
    errors = resolver.errors
    actions = _actions(filters.action, errors)
    actor_ids = _actors(resolver, filters.user)
    object_type = _object_type(filters.object_type, errors)
    object_id = _object_id(filters.object_id, errors)
    since, until = _range(filters.since, filters.until, errors)
    ip = _ip(filters.ip, errors)
    request = _window(filters.cursor, filters.limit, max_limit, errors)
    resolver.finish()
    query = AuditQuery(actions, actor_ids, object_type, object_id, since, until, ip)
    return query, request


def _stand_in(actor: User | None) -> User:
    """Who ``me`` is: the actor (the CLI, acting as the installation, has no ``me``)."""
    if actor is not None:
        return actor
    return User(name="", email="", role=Role.ADMIN, id=0)  # matches no entry


def _actors(resolver: FilterResolver, refs: Sequence[str]) -> tuple[int, ...]:
    """User ids from ``me``, ids or emails, each unknown one an error naming ``user``."""
    before = len(resolver.errors)
    ids = resolver.owners(refs, "user")
    resolver.errors[before:] = [
        FieldError(e.field, e.code, e.message.replace("Unknown owner", "Unknown user"))
        for e in resolver.errors[before:]
    ]
    return ids


def _actions(values: Sequence[str], errors: list[FieldError]) -> tuple[str, ...]:
    found: list[str] = []
    for value in split(values):
        names = matching_actions(value.lower())
        if not names:
            errors.append(FieldError("action", "INVALID_FILTER", f"Unknown action '{value}'"))
        found.extend(names)
    return tuple(dict.fromkeys(found))


def _object_type(value: str | None, errors: list[FieldError]) -> str | None:
    value = (value or "").strip() or None
    if value and (len(value) > OBJECT_TYPE_MAX or has_control_characters(value)):
        errors.append(FieldError("object_type", "INVALID_FILTER", "Unknown object type"))
    return value


def _object_id(value: int | None, errors: list[FieldError]) -> int | None:
    if value is not None and not 0 < value <= MAX_ROW_ID:
        errors.append(FieldError("object_id", "INVALID_FILTER", "Must be a record id"))
    return value


def _range(
    since: date | None, until: date | None, errors: list[FieldError]
) -> tuple[datetime | None, datetime | None]:
    """The days as moments: from the start of ``since`` to the end of ``until``."""
    if since and until and since > until:
        errors.append(FieldError("until", "INVALID_RANGE", "Must not be before since"))
    start = datetime.combine(since, time(), UTC) if since else None
    end = None
    if until and until < date.max:
        end = datetime.combine(until + timedelta(days=1), time(), UTC)
    return start, end


def _ip(value: str | None, errors: list[FieldError]) -> str | None:
    value = (value or "").strip() or None
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        errors.append(FieldError("ip", "INVALID_FILTER", f"Not an IP address: '{value[:60]}'"))
        return None


def _window(
    cursor: str | None, limit: int, max_limit: int, errors: list[FieldError]
) -> KeysetRequest:
    if not 1 <= limit <= max_limit:
        errors.append(
            FieldError("limit", "NUMBER_OUTSIDE_VALID_RANGE", f"Must be between 1 and {max_limit}")
        )
    decoded: Cursor | None = None
    if cursor:
        try:
            decoded = Cursor.decode(cursor, "at", "datetime")
        except ValidationError as exc:
            errors.extend(exc.fields)
    return KeysetRequest("at", True, decoded, limit)
