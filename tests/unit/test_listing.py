"""Keyset cursors survive a round trip and bad ones are refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opportune.domain.listing import Cursor
from opportune.errors import ValidationError


def test_a_cursor_round_trips_dates_and_text() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert Cursor.decode(Cursor(when, 7).encode(), "created_at") == Cursor(when, 7)
    back = Cursor("Ng", 9, backwards=True)
    assert Cursor.decode(back.encode(), "last_name") == back


@pytest.mark.parametrize("token", ["garbage!", "e30", Cursor("x", 1).encode()])
def test_a_bad_or_mismatched_cursor_is_a_validation_error(token: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Cursor.decode(token, "created_at")
    assert exc.value.fields[0].field == "cursor"
