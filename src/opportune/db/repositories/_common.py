"""What every repository shares."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult


def new_id(result: CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just created."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
