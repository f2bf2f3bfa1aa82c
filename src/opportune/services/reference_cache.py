"""Per-process copies of the small tables nearly every request reads.

Users, picklists, stages, queues and the org-wide defaults change rarely but are read by
almost every request (who the caller is, whose records they see, the labels a record is shown
with). A process keeps what it read of them, tagged with the version of
``reference_versions`` (db/reference_versions.py) its transaction saw, and uses the copies
while the database still reports that version: one small read instead of several queries.

Only read-only units of work use copies. A write transaction could have changed one of the
tables itself, and its rollback would take the version back to a number that a later, different
change reuses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from opportune.domain.users import User
from opportune.services.uow import UnitOfWork

_T = TypeVar("_T")


class ReferenceCache:
    """Copies made at one version; a newer version empties it, an older one is not stored."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._values: dict[Hashable, Any] = {}

    def get(self, version: int, key: Hashable, load: Callable[[], _T]) -> _T:
        """The copy of ``key`` made at ``version``, made now with ``load`` if there is none."""
        with self._lock:
            if version == self._version and key in self._values:
                return cast(_T, self._values[key])
        value = load()
        with self._lock:
            if version > self._version:
                self._version, self._values = version, {}
            if version == self._version:
                self._values[key] = value
        return value


_caches: WeakKeyDictionary[Engine, ReferenceCache] = WeakKeyDictionary()
_caches_guard = threading.Lock()


def cache_for(engine: Engine) -> ReferenceCache:
    """The process's cache for one database."""
    with _caches_guard:
        return _caches.setdefault(engine, ReferenceCache())


def cached(uow: UnitOfWork, key: Hashable, load: Callable[[], _T]) -> _T:
    """``load()``, or this process's copy of it when the tables it reads have not changed.

    ``load`` must read only the tables whose changes bump the version (migration 0015) and
    return something nobody changes in place.
    """
    if uow.write:
        return load()
    return cache_for(uow.engine).get(uow.reference_version(), key, load)


def saved_user(uow: UnitOfWork, user_id: int) -> User | None:
    """The user with this id (or this process's copy), None when there is none."""
    return cached(uow, ("user", user_id), lambda: uow.users.get(user_id))
