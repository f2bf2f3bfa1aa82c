"""The rules every record shares: creation and update stamps, and what changed."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar


class Stamped(Protocol):
    """A record dataclass with the standard stamps and version."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    created_at: datetime | None
    created_by_id: int | None
    updated_at: datetime | None
    updated_by_id: int | None
    version: int


R = TypeVar("R", bound=Stamped)


def stamp_new(record: R, *, actor_id: int, now: datetime) -> R:
    """Stamp a new record as created (and last updated) by ``actor_id`` at ``now``."""
    record.created_at = record.updated_at = now
    record.created_by_id = record.updated_by_id = actor_id
    return record


def changed_fields(before: Stamped, after: Stamped) -> list[str]:
    """The names of the fields whose values differ between two versions of a record."""
    return [
        f.name
        for f in dataclasses.fields(before)
        if getattr(after, f.name) != getattr(before, f.name)
    ]


def finish_update(before: R, after: R, *, actor_id: int, now: datetime) -> tuple[R, list[str]]:
    """Stamp ``after`` when it differs from ``before``; return it and the changed fields.

    The stamps are among the changed fields, so that the repository saves them too; an
    update that changes nothing keeps the version, which keeps retries harmless.
    """
    if changed_fields(before, after):
        after.version = before.version + 1
        after.updated_at = now
        after.updated_by_id = actor_id
    return after, changed_fields(before, after)
