"""Rules for all free text: no control characters.

PostgreSQL cannot store a NUL character at all (SQLite can), and the other control
characters are never meant in a name, label or note; refusing them everywhere keeps both
databases holding the same data and turns what would be a server error into a field error.
Tabs and line breaks stay allowed.
"""

from __future__ import annotations

import re

from opportune.errors import FieldError, ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Each word of a list search is one condition of the query: thousands of them would make
# an expression deeper than SQLite accepts (1,000) and a slow plan on PostgreSQL.
MAX_SEARCH_WORDS = 20


def has_control_characters(value: str) -> bool:
    """True when ``value`` holds a character that no text field accepts."""
    return _CONTROL.search(value) is not None


# The first control character of a text, if any (``None``): the check of every cell of
# an import, without a function call around it.
find_control_character = _CONTROL.search


def check_no_control_characters(field: str, value: str) -> None:
    """Raise a :class:`ValidationError` naming ``field`` if ``value`` has control characters."""
    if has_control_characters(value):
        raise ValidationError.single(
            field, "INVALID_CHARACTER", "Must not contain control characters"
        )


def search_text_error(field: str, text: str | None) -> FieldError | None:
    """What is wrong with list search ``text`` (control characters, too many words), or
    ``None`` when nothing is."""
    if not text:
        return None
    if has_control_characters(text):
        return FieldError(field, "INVALID_CHARACTER", "Must not contain control characters")
    if len(text.split(None, MAX_SEARCH_WORDS)) > MAX_SEARCH_WORDS:
        return FieldError(field, "INVALID_FILTER", f"Search for at most {MAX_SEARCH_WORDS} words")
    return None
