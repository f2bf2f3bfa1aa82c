"""Field history rows: one per changed field, values as text, bookkeeping left out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from opportune.domain.field_history import as_text, field_changes

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass
class Record:
    id: int
    title: str | None
    amount: Decimal | None
    version: int


def test_each_changed_field_becomes_one_row_and_bookkeeping_is_left_out() -> None:
    before, after = Record(7, None, Decimal("10.50"), 1), Record(7, "CEO", Decimal("12"), 2)
    rows = field_changes("lead", before, after, ["title", "amount", "version"], actor_id=3, now=NOW)
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("title", None, "CEO"),
        ("amount", "10.50", "12"),
    ]
    assert {(r.object_type, r.record_id, r.changed_by_id, r.changed_at) for r in rows} == {
        ("lead", 7, 3, NOW)
    }


def test_values_are_stored_as_readable_text() -> None:
    assert as_text(date(2026, 3, 31)) == "2026-03-31"
    assert as_text(True) == "true"
    assert as_text(Decimal("1E+3")) == "1000"
    assert as_text(None) is None
