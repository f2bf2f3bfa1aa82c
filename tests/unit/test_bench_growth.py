"""bench/growth.py: how `make bench` classifies a cost's growth with the data, and how it
rewrites its own section of docs/benchmarks.md without touching the hand-written text."""

from __future__ import annotations

import pytest
from bench.growth import (
    BEGIN,
    END,
    FLAT,
    LINEAR,
    LOGARITHMIC,
    Figure,
    classify,
    growth,
    growth_rows,
    growth_table,
    per_tenfold,
    replace_section,
)

SIZES = (10_000, 100_000, 1_000_000)


@pytest.mark.parametrize(
    ("factor", "kind"),
    [(1.0, FLAT), (1.99, FLAT), (2.0, LOGARITHMIC), (2.99, LOGARITHMIC), (3.0, LINEAR),
     (10.0, LINEAR), (0.5, FLAT), (None, None)],
)  # fmt: skip
def test_a_cost_ratio_per_tenfold_data_is_classified_by_the_thresholds(
    factor: float | None, kind: str | None
) -> None:
    assert classify(factor) == kind


def test_a_step_other_than_tenfold_is_brought_to_a_tenfold_step() -> None:
    assert per_tenfold(10_000, 1.0, 100_000, 4.0) == pytest.approx(4.0)
    # Linear over a hundredfold step is still 10x per tenfold.
    assert per_tenfold(10_000, 1.0, 1_000_000, 100.0) == pytest.approx(10.0)
    # Twice the data, twice the cost: linear too.
    assert per_tenfold(1_000, 1.0, 2_000, 2.0) == pytest.approx(10.0)
    assert per_tenfold(10_000, 0.0, 100_000, 1.0) is None
    assert per_tenfold(100_000, 1.0, 10_000, 1.0) is None


def test_an_indexed_lookup_is_flat_a_full_scan_linear() -> None:
    lookup = growth({10_000: 0.20, 100_000: 0.24, 1_000_000: 0.29})
    scan = growth({10_000: 1.4, 100_000: 14.0, 1_000_000: 150.0})
    assert lookup.kind == FLAT and not lookup.flagged
    assert lookup.steps == pytest.approx((1.2, 0.29 / 0.24))
    assert scan.kind == LINEAR and scan.flagged


def test_the_worst_step_decides_so_a_linear_cost_hidden_by_overhead_is_caught() -> None:
    # Fixed overhead dominates at small sizes; the last step shows the linear part.
    hidden = growth({10_000: 5.0, 100_000: 6.0, 1_000_000: 30.0})
    assert hidden.steps == pytest.approx((1.2, 5.0))
    assert hidden.worst == pytest.approx(5.0)
    assert hidden.kind == LINEAR


def test_missing_sizes_are_skipped_and_one_size_alone_is_not_classified() -> None:
    assert growth({10_000: 1.0, 100_000: None, 1_000_000: 6.25}).kind == LOGARITHMIC
    alone = growth({10_000: 1.0})
    assert alone.kind is None and alone.steps == () and not alone.flagged


def test_the_table_shows_each_figure_beside_its_raw_limit_and_both_classes() -> None:
    figures = [
        Figure("list page", "sqlite", 10_000, 2.5, 0.25, "SELECT"),
        Figure("list page", "sqlite", 100_000, 2.7, 0.26, "SELECT"),
        Figure("report", "sqlite", 10_000, 1.5, 1.4, "GROUP BY"),
        Figure("report", "sqlite", 100_000, 16.0, 14.0, "GROUP BY"),
        Figure("search", "postgresql", 10_000, 3.0),
    ]
    rows = growth_rows(figures)
    assert [(r.operation, r.database) for r in rows] == [
        ("list page", "sqlite"), ("report", "sqlite"), ("search", "postgresql")
    ]  # fmt: skip
    table = growth_table(rows, SIZES, {"sqlite": "SQLite", "postgresql": "PostgreSQL"})
    lines = table.splitlines()
    assert lines[0].startswith("| operation | database | 10k leads: ms (raw) | 100k leads")
    assert "1M leads" in lines[0]
    assert lines[2] == "| list page | SQLite | 2.50 (0.25) | 2.70 (0.26) | — | 1.1x | flat | flat |"
    assert lines[3].endswith("| 10.7x | **linear or worse** | **linear or worse** |")
    assert lines[4] == "| search | PostgreSQL | 3.00 | — | — | — | — | — |"


DOC = """# Benchmarks

Hand-written introduction.

## Leads

| figure | ms |
|---|---|
| page | 2.75 |
"""


def test_the_section_is_appended_once_with_its_markers_and_the_rest_kept() -> None:
    first = replace_section(DOC, "## Every benchmark\n\nold figures\n")
    assert first.startswith(DOC.rstrip("\n"))
    assert first.endswith(f"{BEGIN}\n## Every benchmark\n\nold figures\n{END}\n")
    assert first.count(BEGIN) == first.count(END) == 1


def test_a_rewrite_replaces_only_the_text_between_the_markers() -> None:
    before = replace_section(DOC, "old figures")
    after_text = "\n## Written by hand after the section\n\nkept.\n"
    document = before + after_text
    rewritten = replace_section(document, "new figures")
    assert "old figures" not in rewritten
    assert f"{BEGIN}\nnew figures\n{END}" in rewritten
    assert rewritten.startswith(DOC.rstrip("\n"))
    assert rewritten.endswith(after_text)
    assert replace_section(rewritten, "new figures") == rewritten


def test_the_heading_goes_outside_the_markers_and_only_when_the_section_is_new() -> None:
    first = replace_section(DOC, "figures", "## Every benchmark")
    assert first.endswith(f"\n\n## Every benchmark\n\n{BEGIN}\nfigures\n{END}\n")
    again = replace_section(first, "new figures", "## Every benchmark")
    assert again.count("## Every benchmark") == 1
    assert again.endswith(f"## Every benchmark\n\n{BEGIN}\nnew figures\n{END}\n")


def test_a_marker_without_its_pair_is_refused() -> None:
    with pytest.raises(ValueError, match="without"):
        replace_section(f"{DOC}\n{BEGIN}\nhalf a section\n", "new")
    with pytest.raises(ValueError, match="without"):
        replace_section(f"{DOC}\nhalf a section\n{END}\n", "new")
