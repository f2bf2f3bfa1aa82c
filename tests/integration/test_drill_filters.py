"""The list filters report click-throughs use, through the library, on every database.

The records are those of ``tests/drill_records.py`` (its docstring has the tables the
expected names below are read from). Today is 2026-03-15 (UTC) on the service clock, so
``untouched_days=30`` keeps leads last touched before 2026-02-13 00:00 UTC
(15 March - 15 days = 28 February, - 15 more = 13 February).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from opportune import Opportune, User, ValidationError
from opportune.services.filters import LeadFilters
from opportune.services.opportunities import OpportunityFilters
from tests.drill_records import lead_set, opportunity_set, utc

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def leads(core: Opportune, manager: User) -> dict[str, int]:
    """The hand-built leads, with the lead service's clock on 2026-03-15."""
    core.leads.clock = lambda: NOW
    return lead_set(core, manager, TODAY)


@pytest.fixture
def deals(core: Opportune, manager: User) -> dict[str, int]:
    """The hand-built opportunities."""
    return opportunity_set(core, manager)


def lead_names(core: Opportune, actor: User, **filters: Any) -> set[str]:
    """Last names of every lead the list shows for these filters."""
    page = core.leads.list(actor, LeadFilters(limit=100, **filters)).page
    return {lead.last_name for lead in page.items}


def deal_names(core: Opportune, actor: User, **filters: Any) -> set[str]:
    """Names of every opportunity the list shows for these filters."""
    page = core.opportunities.list(actor, OpportunityFilters(limit=100, **filters)).page
    return {opp.name for opp in page.items}


def refused_on(call: Any) -> dict[str, str]:
    """The fields (and codes) a refused list call named."""
    with pytest.raises(ValidationError) as caught:
        call()
    return {e.field: e.code for e in caught.value.fields}


# --- leads ---------------------------------------------------------------------------------


def test_converted_only_lists_converted_leads_but_never_a_merged_one(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    # Won and Recent are converted; Gone is converted too but merged into Stale.
    assert lead_names(core, manager, converted_only=True) == {"Won", "Recent"}
    assert lead_names(core, manager, converted_only=True, include_converted=True) == {
        "Won", "Recent",
    }  # fmt: skip


def test_untouched_days_keeps_open_and_closed_leads_not_touched_since_the_cutoff(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    # Cutoff 2026-02-13 00:00. Stale (updated 1 s before), Quiet (activity 12 h before) and
    # Closed (updated 2026-01-10) are untouched; Edge (updated at the cutoff itself) and
    # Called (activity 2026-02-20) were touched; converted Won is hidden by default.
    assert lead_names(core, manager, untouched_days=30) == {"Stale", "Quiet", "Closed"}
    assert lead_names(core, manager, untouched_days=30, include_converted=True) == {
        "Stale", "Quiet", "Closed", "Won",
    }  # fmt: skip


def test_untouched_days_counts_whole_utc_days_back_from_the_clocks_today(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    # 31 days: cutoff 2026-02-12 00:00, after which Stale (23:59:59) and Quiet (12:00) were
    # touched; 29 days: cutoff 2026-02-14 00:00, before which Edge (02-13 00:00) was touched.
    assert lead_names(core, manager, untouched_days=31) == {"Closed"}
    assert lead_names(core, manager, untouched_days=29) == {"Stale", "Edge", "Quiet", "Closed"}
    # Whatever the hour, the day is the clock's: at 23:59 on 03-15 Edge is still touched; at
    # midnight the cutoff moves to 02-14 and Edge becomes untouched.
    core.leads.clock = lambda: utc("2026-03-15T23:59:59")
    assert "Edge" not in lead_names(core, manager, untouched_days=30)
    core.leads.clock = lambda: utc("2026-03-16T00:00:00")
    assert "Edge" in lead_names(core, manager, untouched_days=30)


def test_converted_only_and_untouched_days_combine(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    # Converted: Won (updated 2026-01-05) and Recent (2026-03-10); only Won is untouched.
    filters = {"converted_only": True, "untouched_days": 30}
    assert lead_names(core, manager, **filters) == {"Won"}
    assert lead_names(core, manager, **filters, owner=["me"]) == {"Won"}
    assert lead_names(core, manager, **filters, status=["Working - Contacted"]) == set()


def test_untouched_leads_page_by_keyset_and_count_the_same_set(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        filters = LeadFilters(untouched_days=30, sort="last_name", limit=1, cursor=cursor,
                              with_total=True)  # fmt: skip
        page = core.leads.list(manager, filters).page
        assert page.total == 3  # Stale, Quiet, Closed
        seen += [lead.last_name for lead in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ["Closed", "Quiet", "Stale"]


@pytest.mark.parametrize("days", [0, -3, 36501, 10**12])
def test_untouched_days_outside_one_to_36500_is_refused_naming_the_filter(
    core: Opportune, manager: User, days: int
) -> None:
    refused = refused_on(lambda: core.leads.list(manager, LeadFilters(untouched_days=days)))
    assert refused == {"untouched_days": "NUMBER_OUTSIDE_VALID_RANGE"}


def test_untouched_days_at_its_limits_is_accepted(
    core: Opportune, manager: User, leads: dict[str, int]
) -> None:
    # One day: cutoff 2026-03-14 00:00; Recent (converted) is hidden, so every open lead.
    assert lead_names(core, manager, untouched_days=1) == {
        "Stale", "Edge", "Called", "Quiet", "Closed",
    }  # fmt: skip
    assert lead_names(core, manager, untouched_days=36500) == set()


# --- opportunities -------------------------------------------------------------------------


def test_lead_source_filters_by_label_in_any_case(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    assert deal_names(core, manager, lead_source=["web"]) == {"Alpha", "Charlie", "Delta"}
    assert deal_names(core, manager, lead_source=["Web, PARTNER REFERRAL"]) == {
        "Alpha", "Bravo", "Charlie", "Delta",
    }  # fmt: skip


def test_forecast_category_filters_by_the_opportunitys_own_category(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    # Bravo's category is overridden to Commit; its stage's default is Pipeline.
    assert deal_names(core, manager, forecast_category=["commit"]) == {"Bravo"}
    assert deal_names(core, manager, forecast_category=["Pipeline"]) == {"Alpha"}
    assert deal_names(core, manager, forecast_category=["best case", "Omitted"]) == {
        "Charlie", "Delta", "Echo",
    }  # fmt: skip
    assert deal_names(core, manager, forecast_category=["Closed"]) == {"Foxtrot"}


def test_lost_reason_filters_by_label(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    assert deal_names(core, manager, lost_reason=["Price"]) == {"Delta"}
    assert deal_names(core, manager, lost_reason=["price", "competitor"]) == {"Delta", "Echo"}
    assert deal_names(core, manager, lost_reason=["Timing"]) == set()


def test_created_range_includes_both_utc_days_whole(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    # February: Charlie (02-01 00:00), Delta (02-15) and Foxtrot (02-20); Bravo was created
    # one second before it began and Echo on 03-02.
    february = {"created_from": date(2026, 2, 1), "created_to": date(2026, 2, 28)}
    assert deal_names(core, manager, **february) == {"Charlie", "Delta", "Foxtrot"}
    assert deal_names(core, manager, created_to=date(2026, 1, 31)) == {"Alpha", "Bravo"}
    assert deal_names(core, manager, created_from=date(2026, 3, 2)) == {"Echo"}


def test_stage_entered_to_looks_at_the_current_stay_only(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    # Current stays began: Alpha 01-10, Bravo 02-28 23:59:59, Charlie 03-01 00:00 (its ended
    # Prospecting stay from 02-01 does not count), Delta 03-05, Echo 03-10, Foxtrot 03-12.
    assert deal_names(core, manager, stage_entered_to=date(2026, 2, 28)) == {"Alpha", "Bravo"}
    assert deal_names(core, manager, stage_entered_to=date(2026, 3, 1)) == {
        "Alpha", "Bravo", "Charlie",
    }  # fmt: skip
    assert deal_names(core, manager, stage_entered_to=date(2026, 1, 9)) == set()


def test_drill_filters_combine_with_each_other_and_with_the_list_filters(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    # Web and lost: Delta; created in February and lost for Price: Delta again.
    assert deal_names(core, manager, lead_source=["Web"], state="lost") == {"Delta"}
    lost_in_feb = {"lost_reason": ["Price"], "created_from": date(2026, 2, 1),
                   "created_to": date(2026, 2, 28), "forecast_category": ["Omitted"]}  # fmt: skip
    assert deal_names(core, manager, **lost_in_feb) == {"Delta"}
    # Open Web deals in their stage since 03-05 or earlier: Alpha and Charlie (Delta is lost).
    stuck = {"lead_source": ["Web"], "state": "open", "stage_entered_to": date(2026, 3, 5)}
    assert deal_names(core, manager, **stuck) == {"Alpha", "Charlie"}
    assert deal_names(core, manager, **stuck, stage=["Prospecting"]) == {"Alpha"}


def test_drill_filtered_opportunities_page_by_keyset_with_the_right_total(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        filters = OpportunityFilters(
            lead_source=["Web", "Phone Inquiry"], stage_entered_to=date(2026, 3, 12),
            sort="-name", limit=2, cursor=cursor, with_total=True,
        )  # fmt: skip
        page = core.opportunities.list(manager, filters).page
        assert page.total == 4  # Alpha, Charlie, Delta (Web) and Foxtrot (Phone Inquiry)
        seen += [opp.name for opp in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ["Foxtrot", "Delta", "Charlie", "Alpha"]


def test_unknown_drill_values_are_refused_naming_each_filter(
    core: Opportune, manager: User, deals: dict[str, int]
) -> None:
    bad = OpportunityFilters(
        lead_source=["Carrier pigeon"], forecast_category=["Maybe"], lost_reason=["Boredom"],
        created_from=date(2026, 3, 1), created_to=date(2026, 2, 1),
    )  # fmt: skip
    assert refused_on(lambda: core.opportunities.list(manager, bad)) == {
        "lead_source": "INVALID_FILTER", "forecast_category": "INVALID_FILTER",
        "lost_reason": "INVALID_FILTER", "created_to": "INVALID_RANGE",
    }  # fmt: skip
