"""The error a SOQL query that cannot be accepted raises, with where the problem is."""

from __future__ import annotations

from opportune.errors import FieldError, ValidationError

__all__ = ["SoqlError"]


class SoqlError(ValidationError):
    """A malformed (``MALFORMED_QUERY``) or unsupported-field (``INVALID_FIELD``) query.

    ``line`` and ``column`` are 1-based, ``offset`` is the 0-based character index of the
    problem in the query text; the message says all three. The one field at fault is
    ``q``, the query parameter of the REST API.
    """

    code = "MALFORMED_QUERY"

    def __init__(
        self, message: str, *, line: int, column: int, offset: int, code: str = "MALFORMED_QUERY"
    ) -> None:
        super().__init__([FieldError("q", code, message)], message)
        self.code = code
        self.line = line
        self.column = column
        self.offset = offset
