"""Query locators: where the next page of a SOQL result starts, carried by the client.

A locator is self-contained and signed with the installation's secret key: the query
text, the caller's user id, the position of the next row, the total size and the batch
size. The server keeps no paging state (any web process can serve any page) and a
client can neither forge a locator nor use another user's. Rows added or removed
between pages may shift later pages, as with any offset paging.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from opportune.errors import FieldError, ValidationError

__all__ = ["Cursor", "LocatorError", "read_locator", "write_locator"]

_SALT = "opportune.salesforce.query-locator"


class LocatorError(ValidationError):
    """A query locator that is not one this installation issued to this user."""

    code = "INVALID_QUERY_LOCATOR"

    def __init__(self) -> None:
        message = "invalid query locator"
        super().__init__([FieldError("locator", self.code, message)], message)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A query being read page by page: ``position`` rows of ``total`` already given."""

    soql: str
    user_id: int
    position: int
    total: int
    batch_size: int
    all_rows: bool


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def write_locator(cursor: Cursor, secret_key: str) -> str:
    """The signed, URL-safe locator of a cursor (no ``/``: it is one path segment)."""
    payload = [cursor.soql, cursor.user_id, cursor.position, cursor.total,
               cursor.batch_size, cursor.all_rows]  # fmt: skip
    return str(_serializer(secret_key).dumps(payload))


def read_locator(locator: str, secret_key: str, user_id: int) -> Cursor:
    """The cursor a locator stands for; :class:`LocatorError` unless it is genuine and
    was issued to ``user_id``."""
    try:
        payload: Any = _serializer(secret_key).loads(locator)
        soql, owner, position, total, batch_size, all_rows = payload
    except (BadSignature, ValueError, TypeError):
        raise LocatorError() from None
    if owner != user_id:
        raise LocatorError()
    return Cursor(str(soql), int(owner), int(position), int(total), int(batch_size),
                  bool(all_rows))  # fmt: skip
