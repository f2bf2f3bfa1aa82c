"""Keyset cursors survive a round trip and bad ones are refused clearly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from opportune.domain.listing import Cursor, SortKind
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


@pytest.mark.parametrize(
    ("value", "kind"),
    [(date(2026, 3, 31), "date"), (Decimal("1250.50"), "decimal"), (42, "int"), ("Ng", "text")],
)
def test_a_cursor_round_trips_dates_decimals_and_numbers(value: object, kind: SortKind) -> None:
    cursor = Cursor(value, 3)
    assert Cursor.decode(cursor.encode(), "any", kind) == cursor


@pytest.mark.parametrize(("value", "kind"), [("NaN", "decimal"), ("x", "date"), ("7", "int")])
def test_a_forged_value_for_the_sort_kind_is_refused(value: str, kind: SortKind) -> None:
    with pytest.raises(ValidationError):
        Cursor.decode(Cursor(value, 3).encode(), "any", kind)
