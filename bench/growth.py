"""How a benchmark figure grows with the data size, and the generated part of
docs/benchmarks.md (pure functions, used by bench/all.py and its unit test).

A cost measured at several sizes (10,000, 100,000, 1,000,000 leads) is compared step by
step: each step's cost ratio is brought to a tenfold step (``ratio ** (1 / log10(size
ratio))``), and the worst step classifies the operation: **flat** below 2x per tenfold data,
**logarithmic** below 3x, otherwise **linear or worse** (a linear cost grows 10x per tenfold
data; a B-tree lookup about 1.3x at these sizes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

FLAT, LOGARITHMIC, LINEAR = "flat", "logarithmic", "linear or worse"
FLAT_BELOW, LOGARITHMIC_BELOW = 2.0, 3.0
BEGIN = "<!-- bench/all.py: begin -->"
END = "<!-- bench/all.py: end -->"


def per_tenfold(size_a: int, cost_a: float, size_b: int, cost_b: float) -> float | None:
    """The cost ratio from ``size_a`` to ``size_b`` as if the data grew exactly tenfold;
    None when the sizes do not grow or a cost is not positive."""
    if size_b <= size_a or cost_a <= 0 or cost_b <= 0:
        return None
    return float((cost_b / cost_a) ** (1 / math.log10(size_b / size_a)))


def classify(factor: float | None) -> str | None:
    """flat, logarithmic or linear or worse, for a cost ratio per tenfold data."""
    if factor is None:
        return None
    if factor < FLAT_BELOW:
        return FLAT
    if factor < LOGARITHMIC_BELOW:
        return LOGARITHMIC
    return LINEAR


@dataclass(frozen=True)
class Growth:
    """A cost's growth over the measured sizes."""

    steps: tuple[float, ...]  # per-tenfold ratio of each step between consecutive sizes
    worst: float | None
    kind: str | None  # None: fewer than two sizes measured

    @property
    def flagged(self) -> bool:
        """Whether the cost grows linearly (or worse) with the data."""
        return self.kind == LINEAR


def growth(points: Mapping[int, float | None]) -> Growth:
    """The growth of a cost measured at each size (missing or non-positive costs skipped)."""
    known = sorted((size, cost) for size, cost in points.items() if cost and cost > 0)
    steps = []
    for (size_a, cost_a), (size_b, cost_b) in pairwise(known):
        factor = per_tenfold(size_a, cost_a, size_b, cost_b)
        if factor is not None:
            steps.append(factor)
    worst = max(steps) if steps else None
    return Growth(tuple(steps), worst, classify(worst))


@dataclass(frozen=True)
class Figure:
    """One latency: an operation's cost in ms on one database at one size, and the raw
    limit measured in the same run (None when the benchmark has none for it)."""

    operation: str
    database: str
    size: int
    ms: float
    raw_ms: float | None = None
    raw_label: str = ""


@dataclass(frozen=True)
class GrowthRow:
    """An operation on one database across sizes."""

    operation: str
    database: str
    figures: dict[int, Figure]
    growth: Growth
    raw_growth: Growth
    raw_label: str


def growth_rows(figures: Iterable[Figure]) -> list[GrowthRow]:
    """The figures grouped by operation and database, in first-seen order."""
    groups: dict[tuple[str, str], dict[int, Figure]] = {}
    for figure in figures:
        groups.setdefault((figure.operation, figure.database), {})[figure.size] = figure
    rows = []
    for (operation, database), by_size in groups.items():
        ours = growth({size: f.ms for size, f in by_size.items()})
        raw = growth({size: f.raw_ms for size, f in by_size.items()})
        label = next((f.raw_label for f in by_size.values() if f.raw_label), "")
        rows.append(GrowthRow(operation, database, by_size, ours, raw, label))
    return rows


def ms(value: float | None) -> str:
    """Milliseconds, with as many decimals as a figure of that size deserves."""
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def size_label(size: int) -> str:
    """10,000 as 10k, 1,000,000 as 1M."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return f"{size:,}"


def steps_text(g: Growth) -> str:
    """Each step's per-tenfold ratio, e.g. ``1.1x → 1.4x``."""
    return " → ".join(f"{s:.1f}x" for s in g.steps) if g.steps else "—"


def verdict(g: Growth) -> str:
    """The class, in bold when it is linear or worse."""
    if g.kind is None:
        return "—"
    return f"**{g.kind}**" if g.flagged else g.kind


def growth_table(rows: Sequence[GrowthRow], sizes: Sequence[int], names: Mapping[str, str]) -> str:
    """Markdown: each operation's median ms at each size with the raw limit of the same run
    beside it, the per-tenfold steps, and the classes of ours and of the raw limit."""
    head = " | ".join(f"{size_label(s)} leads: ms (raw)" for s in sizes)
    lines = [
        f"| operation | database | {head} | per 10x data | grows | raw limit grows |",
        "|---|---|" + "---|" * len(sizes) + "---|---|---|",
    ]
    for row in rows:
        cells = []
        for size in sizes:
            figure = row.figures.get(size)
            if figure is None:
                cells.append("—")
            elif figure.raw_ms is None:
                cells.append(ms(figure.ms))
            else:
                cells.append(f"{ms(figure.ms)} ({ms(figure.raw_ms)})")
        raw = verdict(row.raw_growth) if row.raw_label else "—"
        lines.append(
            f"| {row.operation} | {names.get(row.database, row.database)} | "
            f"{' | '.join(cells)} | {steps_text(row.growth)} | {verdict(row.growth)} | {raw} |"
        )
    return "\n".join(lines)


def replace_section(document: str, section: str, heading: str = "") -> str:
    """``document`` with the text between the generated-section markers replaced by
    ``section`` (markers kept). When the markers are absent, ``heading`` (a line of its own,
    outside the markers, so another script that rewrites "its ## heading up to the next ##
    heading" cannot take a marker with it) and the marked section are appended. Text
    outside the markers is left exactly as it was."""
    block = f"{BEGIN}\n{section.strip()}\n{END}"
    start = document.find(BEGIN)
    if start == -1:
        if END in document:
            raise ValueError(f"{END} without {BEGIN}")
        head = f"{heading.strip()}\n\n" if heading.strip() else ""
        return document.rstrip("\n") + "\n\n" + head + block + "\n"
    end = document.find(END, start)
    if end == -1:
        raise ValueError(f"{BEGIN} without {END}")
    return document[:start] + block + document[end + len(END) :]
