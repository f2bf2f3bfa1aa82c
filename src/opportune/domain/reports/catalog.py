"""The reports Opportune offers: names, titles, and which filters and options each takes."""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True, slots=True)
class ReportDefinition:
    """One report of the library.

    ``date_field`` says in words which date ``date_from``/``date_to`` filter; ``groupings``
    are the allowed ``by`` values (the first is the default); ``uses_period`` means rows (or
    one grouping) are periods of ``period`` length; ``days_label`` names what ``days``
    means for the report (``None`` when it takes no day threshold).
    """

    name: str
    title: str
    description: str
    date_field: str
    groupings: tuple[str, ...] = ()
    uses_period: bool = False
    uses_stage: bool = False
    days_label: str | None = None
    default_days: int = 30


REPORTS: dict[str, ReportDefinition] = {
    r.name: r
    for r in (
        ReportDefinition(
            "lead-funnel", "Lead funnel",
            "Leads by status, and the share of them that reached each step of the process.",
            "lead created",
        ),
        ReportDefinition(
            "lead-conversion", "Lead conversion rate",
            "Leads created and converted, and converted ÷ created, by lead source or owner.",
            "lead created", groupings=("source", "owner"),
        ),
        ReportDefinition(
            "lead-aging", "Lead aging",
            "Open leads by owner and age, and leads nobody has touched for a number of days.",
            "lead created", days_label="Untouched for (days)",
        ),
        ReportDefinition(
            "pipeline", "Pipeline by stage",
            "Open opportunities per stage: count, amount and expected revenue.",
            "close date", uses_stage=True,
        ),
        ReportDefinition(
            "forecast", "Forecast",
            "Amounts by forecast category (Omitted excluded) per close period.",
            "close date", uses_period=True, uses_stage=True,
        ),
        ReportDefinition(
            "win-rate", "Win rate",
            "Won ÷ closed opportunities, and average won deal size.",
            "close date", groupings=("owner", "source", "period"), uses_period=True,
        ),
        ReportDefinition(
            "sales-cycle", "Sales cycle",
            "Days from opportunity creation, and from lead creation, to closed won.",
            "close date", groupings=("period", "owner", "source"), uses_period=True,
        ),
        ReportDefinition(
            "time-in-stage", "Time in stage",
            "Days spent in each open stage, and opportunities stuck in one too long.",
            "stay ended", uses_stage=True, days_label="Stuck for more than (days)",
        ),
        ReportDefinition(
            "lost-reasons", "Lost reasons",
            "Closed lost opportunities by lost reason: count and amount.",
            "close date",
        ),
        ReportDefinition(
            "source-to-revenue", "Source to revenue",
            "For each lead source: leads, converted leads, opportunities and won amount.",
            "created",
        ),
    )
}  # fmt: skip
