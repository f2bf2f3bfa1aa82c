"""CSV cells that spreadsheets would run as formulas ("CSV injection").

Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading apostrophe (OWASP's advice; Excel, LibreOffice and Google Sheets show such a cell
as text and hide the apostrophe). Only text is guarded: numbers (an amount of -5) stay
numbers. Importing strips an apostrophe added this way, so an export imports back as it
was.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def guard_formula(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: an apostrophe before a formula start."""
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def unguard_formula(text: str) -> str:
    """The text :func:`guard_formula` was given (other text is returned unchanged)."""
    if text.startswith(GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
