"""What the Salesforce record endpoints share: finding the object and the record a path
names, writing through Opportune's own services, and an object's external keys."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from opportune.domain.salesforce.ids import KEY_PREFIXES, malformed_id, parse_id, sf_id, to_18
from opportune.domain.salesforce.objects import USER, SObject, sobject
from opportune.domain.salesforce.record_input import salesforce_error, salesforce_names
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services.access import viewer_for
from opportune.services.record_keys import RecordKeys
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = [
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND_MESSAGE",
    "Stored",
    "Writer",
    "allowed_methods",
    "check_keys_free",
    "find_by_key",
    "path_id",
    "require_exists",
    "require_method",
    "require_object",
    "set_keys",
    "sf_errors",
    "writer_for",
]

NOT_FOUND_MESSAGE = "The requested resource does not exist"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
# Which methods each object takes besides GET (Salesforce answers others with 405).
_METHODS = {"User": ("POST", "PATCH")}
_WRITES = ("POST", "PATCH", "DELETE")


class Stored(Protocol):
    """A saved record: it has an id."""

    @property
    def id(self) -> int | None: ...


class Writer(Protocol):
    """The writes of one Opportune record service."""

    def create(
        self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Stored: ...

    def update(
        self, actor: User, record_id: int, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Stored: ...

    def delete(self, actor: User, record_id: int) -> None: ...


class _UserWriter:
    """Users through :class:`~opportune.services.users.UserService` (administrators only).

    A user created here gets a random password nobody knows: they cannot sign in with a
    password until an administrator sets one. Users are deactivated, never deleted.
    """

    def __init__(self, core: Opportune) -> None:
        self.core = core

    def create(self, actor: User, data: Mapping[str, object], *, keys: RecordKeys = None) -> Stored:
        user = self.core.users.create(actor, {**data, "password": secrets.token_urlsafe(32)})
        # Users keep their key in a transaction of their own (a user's is rarely set).
        set_keys(self.core, USER, user.id or 0, keys or {})
        return user

    def update(
        self, actor: User, record_id: int, data: Mapping[str, object], *, keys: RecordKeys = None
    ) -> Stored:
        user = self.core.users.update(actor, record_id, data)
        set_keys(self.core, USER, record_id, keys or {})
        return user

    def delete(self, actor: User, record_id: int) -> None:
        raise _method_error("User", "DELETE")


def writer_for(core: Opportune, obj: SObject) -> Writer:
    """The service that writes records of ``obj``."""
    writers: dict[str, Writer] = {
        "Lead": core.leads, "Account": core.accounts, "Contact": core.contacts,
        "Opportunity": core.opportunities, "Task": core.activities, "User": _UserWriter(core),
    }  # fmt: skip
    return writers[obj.name]


def require_object(name: str) -> SObject:
    """The object called ``name``; NOT_FOUND when Opportune does not serve it."""
    obj = sobject(name)
    if obj is None:
        raise NotFoundError(f"The requested resource does not exist: sObject type '{name}'")
    return obj


def allowed_methods(obj: SObject) -> tuple[str, ...]:
    """The HTTP methods a record of ``obj`` takes."""
    if not obj.writable:
        return ("GET", "HEAD")
    return ("GET", "HEAD", *_METHODS.get(obj.name, _WRITES))


def require_method(obj: SObject, method: str) -> None:
    """Refuse (``METHOD_NOT_ALLOWED``) a write the object does not take."""
    if method not in allowed_methods(obj):
        raise _method_error(obj.name, method)


def _method_error(name: str, method: str) -> ConflictError:
    allowed = ",".join(allowed_methods(require_object(name)))
    message = f"HTTP Method '{method}' not allowed. Allowed are {allowed}"
    return ConflictError(message, code=METHOD_NOT_ALLOWED)


def path_id(obj: SObject, value: str) -> int:
    """The integer id behind the record id in a path, as Salesforce reads one: a value
    that is no id at all names a resource that does not exist (404), an id with a bad
    checksum is MALFORMED_ID (400), an id of another object is not found (404)."""
    full = to_18(value)
    if full is None:
        if len(value) in (15, 18) and value.isalnum():
            raise malformed_id(value, "Id", obj.name)
        message = f"Provided external ID field does not exist or is not accessible: {value}"
        raise NotFoundError(message)
    if full[:3] != KEY_PREFIXES[obj.name]:
        raise NotFoundError(NOT_FOUND_MESSAGE)
    return parse_id(full, obj.name)


def require_exists(core: Opportune, obj: SObject, record_id: int, actor: User | None) -> None:
    """NOT_FOUND unless the record exists as a record of ``obj`` that ``actor`` may read."""
    with UnitOfWork(core.engine) as uow:
        viewer = viewer_for(uow, actor)
        if not uow.sobject_rows.exists(obj.table, record_id, obj.row_filter, viewer):
            raise NotFoundError(NOT_FOUND_MESSAGE)


@contextmanager
def sf_errors(obj: SObject) -> Iterator[None]:
    """Re-raise validation errors of Opportune's services with Salesforce field names."""
    try:
        yield
    except ValidationError as exc:
        raise salesforce_error(obj, exc) from exc


def find_by_key(
    core: Opportune, obj: SObject, column: str, value: str, actor: User | None = None
) -> list[int]:
    """The ids of the records of ``obj`` whose key ``column`` is ``value`` (with ``actor``:
    only those they may read)."""
    with UnitOfWork(core.engine) as uow:
        viewer = viewer_for(uow, actor)
        return uow.sobject_rows.find_by_key(obj.table, column, value, viewer)


def check_keys_free(
    core: Opportune,
    obj: SObject,
    keys: Mapping[str, str | None],
    record_id: int | None,
    actor: User | None = None,
) -> None:
    """Refuse (DUPLICATE_VALUE) a key value another record of ``obj`` already has; a
    record ``actor`` may not read is "another record", never named by id."""
    for column, value in keys.items():
        others = [i for i in find_by_key(core, obj, column, value or "") if i != record_id]
        if value is not None and others:
            seen = set(find_by_key(core, obj, column, value, actor))
            raise _duplicate(obj, column, others[0] if others[0] in seen else None)


def set_keys(core: Opportune, obj: SObject, record_id: int, keys: Mapping[str, str | None]) -> None:
    """Store the record's external keys in a transaction of their own (users' keys); a value
    taken meanwhile is DUPLICATE_VALUE."""
    if not keys:
        return
    with UnitOfWork(core.engine, write=True) as uow:
        uow.sobject_rows.set_keys(obj.table, record_id, keys)
        uow.commit()


def _duplicate(obj: SObject, column: str, other_id: int | None) -> ValidationError:
    name = salesforce_names(obj)[column]
    message = f"duplicate value found: {name} duplicates value on record with id: " + (
        sf_id(obj.name, other_id) if other_id is not None else "another record"
    )
    return ValidationError.single(name, "DUPLICATE_VALUE", message)
