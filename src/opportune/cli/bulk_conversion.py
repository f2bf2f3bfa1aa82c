"""``opportune lead convert --where ...``: convert every unconverted lead a filter matches.

The leads are found with the filters of ``lead list`` (paging through
:meth:`~opportune.services.leads.LeadService.list`), converted in batches by
:meth:`~opportune.services.conversions.ConversionService.convert_many` behind a progress
bar, and summed up: how many converted, which failed and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from opportune.cli.conversion_output import result_json
from opportune.cli.errors import EXIT_INVALID
from opportune.cli.options import parse_day
from opportune.cli.output import note, print_json, print_table
from opportune.cli.presenters import Session
from opportune.domain.conversion import parse_options
from opportune.domain.leads import Lead, LeadPicklists
from opportune.domain.picklists import find_by_label
from opportune.errors import FieldError, ValidationError
from opportune.services.conversions import ConversionResult, ConvertRequest
from opportune.services.filters import LeadFilters

__all__ = ["WHERE_FILTERS", "convert_where", "parse_where"]

# --where FILTER=VALUE: the names of `lead list`'s filter options, and the field each sets.
WHERE_FILTERS = {
    "status": "status", "source": "lead_source", "lead-source": "lead_source",
    "owner": "owner", "rating": "rating", "created-from": "created_from",
    "created-to": "created_to", "search": "q", "q": "q",
}  # fmt: skip
REPEATABLE = frozenset({"status", "lead_source", "owner", "rating"})
EVERY_LEAD = "all"
SHOWN_FAILURES = 10
ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
DUPLICATES = "DUPLICATES_DETECTED"


def parse_where(conditions: Sequence[str], page_size: int) -> LeadFilters:
    """Lead list filters from ``FILTER=VALUE`` conditions (``all``: no filter at all).

    The same filter given twice matches either value, as a repeated ``lead list`` option does.
    """
    repeated: dict[str, list[str]] = {name: [] for name in REPEATABLE}
    single: dict[str, str] = {}
    for condition in conditions:
        if condition.strip().lower() == EVERY_LEAD:
            continue
        name, value = _condition(condition)
        if name in REPEATABLE:
            repeated[name].append(value)
        else:
            single[name] = value
    return LeadFilters(
        status=repeated["status"], lead_source=repeated["lead_source"],
        owner=repeated["owner"], rating=repeated["rating"],
        created_from=parse_day("created_from", single.get("created_from")),
        created_to=parse_day("created_to", single.get("created_to")), q=single.get("q"),
        sort="created_at", limit=page_size,
    )  # fmt: skip


def _condition(condition: str) -> tuple[str, str]:
    name, sep, value = condition.partition("=")
    field = WHERE_FILTERS.get(name.strip().lower().replace("_", "-"))
    if not sep or field is None:
        known = ", ".join(WHERE_FILTERS)
        raise ValidationError(
            [FieldError("where", "INVALID_FILTER", f"'{condition}' is not FILTER=VALUE")],
            f"--where: '{condition}' is not FILTER=VALUE with FILTER one of {known} "
            f"(or '{EVERY_LEAD}' for every unconverted lead)",
        )
    return field, value.strip()


def convert_where(
    s: Session,
    options: Mapping[str, object],
    filters: LeadFilters,
    *,
    all_or_none: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Convert every unconverted lead ``filters`` match; exit 2 unless all were converted."""
    check_status(options, s.core.leads.lookups().picklists)
    parsed = parse_options(options)  # a bad option is one error, not one per lead
    leads = matching_leads(s, filters)
    if not leads:
        _print_results([], {}, as_json=as_json)
        return
    if not yes:
        count = f"{len(leads)} lead{'s' if len(leads) != 1 else ''}"
        status = options["converted_status"]
        typer.confirm(f"Convert {count} to status '{status}'?", abort=True, err=True)
    requests = [ConvertRequest(lead.id or 0, parsed) for lead in leads]
    results = _convert(s, requests, all_or_none=all_or_none, show_progress=not as_json)
    _print_results(results, {lead.id or 0: lead for lead in leads}, as_json=as_json)
    if not all(r.success for r in results):
        raise typer.Exit(EXIT_INVALID)


def check_status(options: Mapping[str, object], picklists: LeadPicklists) -> None:
    """Refuse a status that is not a converted one before converting many leads with it
    (the rule the conversion applies to each lead, said once instead of once per lead)."""
    label = str(options.get("converted_status") or "")
    found = find_by_label(picklists.statuses, label)
    if found is None or not (found.is_converted and found.is_active):
        allowed = ", ".join(s.label for s in picklists.statuses if s.is_converted and s.is_active)
        message = f"'{label}' is not a converted status; use: {allowed}"
        raise ValidationError.single("converted_status", "INVALID_STATUS", message)


def matching_leads(s: Session, filters: LeadFilters) -> list[Lead]:
    """Every unconverted lead the filters match (that the acting user may see), oldest first."""
    leads: list[Lead] = []
    cursor: str | None = None
    while True:
        page = s.core.leads.list(s.actor, dataclasses.replace(filters, cursor=cursor)).page
        leads.extend(page.items)
        if not page.next_cursor:
            return leads
        cursor = page.next_cursor


class RateColumn(ProgressColumn):
    """Leads converted per second."""

    def render(self, task: Task) -> Text:
        """The rate so far (unknown until the first batch is done)."""
        speed = task.finished_speed or task.speed
        return Text("? leads/s" if speed is None else f"{speed:,.0f} leads/s", style="cyan")


def _convert(
    s: Session, requests: Sequence[ConvertRequest], *, all_or_none: bool, show_progress: bool
) -> list[ConversionResult]:
    """Convert, with a progress bar on stderr (so stdout keeps only the summary)."""
    service = s.core.conversions
    if not show_progress:
        return service.convert_many(s.actor, requests, all_or_none=all_or_none)
    columns = (TextColumn("Converting"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TextColumn("ETA"), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True, highlight=False)) as bar:
        task = bar.add_task("convert", total=len(requests))
        return service.convert_many(
            s.actor, requests, all_or_none=all_or_none,
            progress=lambda done: bar.update(task, completed=done),
        )  # fmt: skip


def _print_results(
    results: Sequence[ConversionResult], leads: Mapping[int, Lead], *, as_json: bool
) -> None:
    """Every result (JSON), or the counts and the first failures (people)."""
    succeeded = sum(1 for r in results if r.success)
    if as_json:
        print_json({"results": [result_json(r) for r in results], "succeeded": succeeded,
                    "failed": len(results) - succeeded})  # fmt: skip
        return
    if not results:
        note("No unconverted lead matches: nothing to convert.")
        return
    failed = [r for r in results if not r.success]
    note(f"Converted {succeeded} of {len(results)} lead{'s' if len(results) != 1 else ''}"
         + (f"; {len(failed)} failed." if failed else "."))  # fmt: skip
    _print_failures(failed, leads)
    warned = sum(1 for r in results if r.warnings)
    if warned:
        note(f"{warned} converted with duplicate warnings: --json lists them.", style="yellow")


def _print_failures(failed: Sequence[ConversionResult], leads: Mapping[int, Lead]) -> None:
    """The first failures with their reasons; leads only rolled back are counted, not listed."""
    causes = [r for r in failed if any(e.code != ROLLED_BACK for e in r.errors)]
    rows = [(r.lead_id, _lead_name(leads.get(r.lead_id)),
             "; ".join(f"{e.field}: {e.message}" for e in r.errors))
            for r in causes[:SHOWN_FAILURES]]  # fmt: skip
    if rows:
        note("Not converted:", style="bold")
        print_table(("Lead", "Name", "Why"), rows)
    if len(causes) > SHOWN_FAILURES:
        note(f"… and {len(causes) - SHOWN_FAILURES} more: --json lists every result.")
    if any(e.code == DUPLICATES for r in causes for e in r.errors):
        note("For duplicates: convert a lead alone with --account ID to merge into the existing "
             "account, or all of them with --allow-duplicates.", style="dim")  # fmt: skip
    rolled_back = len(failed) - len(causes)
    if rolled_back:
        note(f"{rolled_back} other lead{'s' if rolled_back != 1 else ''} not converted: "
             "--all-or-none converts none unless every lead can be.")  # fmt: skip


def _lead_name(lead: Lead | None) -> str | None:
    return None if lead is None else f"{lead.name} ({lead.company})"
