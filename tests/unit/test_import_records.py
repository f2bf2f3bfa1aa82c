"""Turning CSV rows into records by the API's rules, and reading CSV files as streams."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from opportune.domain.imports import Formats
from opportune.domain.imports.records import Lists, RecordBuilder, References, prepare
from opportune.domain.imports.values import guess_day_first
from opportune.domain.leads import Lead, LeadPicklists
from opportune.domain.picklists import LeadStatus, PicklistValue
from opportune.errors import ValidationError
from opportune.services.imports.error_file import ErrorFile, keep_lines_up_to
from opportune.services.imports.source import CsvSource, count_rows, sniff_delimiter

NOW = datetime(2026, 11, 27, tzinfo=UTC)
PICKLISTS = LeadPicklists(
    statuses=(LeadStatus(1, "Open", 1, is_default=True),),
    sources=(PicklistValue(1, "Web", 1),),
)


def builder() -> RecordBuilder:
    refs = References({"rae@example.com": 7}, frozenset({1, 7}))
    return RecordBuilder("lead", Lists(PICKLISTS), refs, actor_id=1, now=NOW)


def test_prepare_leaves_empty_cells_out_and_rewrites_numbers() -> None:
    cells = {"last_name": "Ng", "company": " ", "annual_revenue": "$1,200.50", "status": ""}
    assert prepare("lead", cells, Formats(), {"lead_source": "Web"}) == {
        "last_name": "Ng", "annual_revenue": "1200.50", "lead_source": "Web",
    }  # fmt: skip


def test_prepare_reads_dates_in_the_files_order() -> None:
    cells = {"close_date": "03/04/2026"}
    assert prepare("opportunity", cells, Formats(day_first=True)) == {"close_date": "2026-04-03"}
    assert prepare("opportunity", cells, Formats()) == {"close_date": "2026-03-04"}


def test_the_date_order_is_guessed_from_a_date_that_reads_one_way_only() -> None:
    assert guess_day_first(["01/02/2026", "13/02/2026"]) is True
    assert guess_day_first(["02/13/2026"]) is False
    assert guess_day_first(["01/02/2026", "2026-12-31", "soon"]) is None


def test_a_row_becomes_a_lead_with_its_owner_named_by_email() -> None:
    lead = builder().build({"last_name": "Ng", "company": "Acme", "owner_id": "RAE@example.com",
                            "lead_source": "WEB"})  # fmt: skip
    assert isinstance(lead, Lead)
    assert (lead.owner_id, lead.source_id, lead.is_unread_by_owner) == (7, 1, True)


def test_a_bad_row_gets_every_reason_once() -> None:
    errors = builder().build({"company": "Acme", "owner_id": "nobody@example.com",
                              "email": "not-an-email"})  # fmt: skip
    assert isinstance(errors, list)
    assert {e.field for e in errors} == {"owner_id", "last_name", "email"}
    assert "No active user with email nobody@example.com" in [e.message for e in errors]


def test_csv_source_gives_physical_line_numbers_and_survives_quotes(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('\ufeffa;b\n"x\ny";"1;2"\n\nz;3\n', encoding="utf-8")
    assert sniff_delimiter(path, "utf-8") == ";"
    with CsvSource(path, "utf-8", ";") as source:
        assert source.header == ["a", "b"]
        assert list(source.rows()) == [(2, ["x\ny", "1;2"]), (4, []), (5, ["z", "3"])]
    assert count_rows(path, "utf-8", ";") == 3


def test_unknown_encodings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="Unknown encoding"):
        sniff_delimiter(path, "klingon")


def test_error_file_keeps_only_committed_lines_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    with ErrorFile(path, ["a", "b"]) as errors:
        for line in (2, 5, 9):
            errors.add(line, ["x"], "a: bad")
    assert keep_lines_up_to(path, 5) == 2
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["a,b,line,error", "x,,2,a: bad", "x,,5,a: bad"]
