"""The lead and opportunity list pages as report click-throughs open them.

The filters come in the address only (the filter form has no inputs for them): the page
applies them, says so in words, keeps them across form changes and offers a link that
removes them. Records: ``tests/drill_records.py``; the clock says 2026-03-15, so
``untouched_days=30`` means last touched before 2026-02-13 00:00 UTC.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.conftest import make_settings
from tests.drill_records import lead_set, opportunity_set
from tests.e2e.web.conftest import SignIn

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
HX = {"HX-Request": "true"}


@pytest.fixture
def core(database_url: str, tmp_path: Path) -> Iterator[Opportune]:
    """An installation on a fresh database of each engine whose clock says ``NOW``."""
    app = Opportune(make_settings(database_url, tmp_path), clock=lambda: NOW)
    yield app
    app.close()


@pytest.fixture
def leads(core: Opportune, manager: User, client: TestClient, sign_in: SignIn) -> dict[str, int]:
    """The hand-built leads, with the manager signed in."""
    sign_in(manager)
    return lead_set(core, manager, NOW.date())


@pytest.fixture
def deals(core: Opportune, manager: User, client: TestClient, sign_in: SignIn) -> dict[str, int]:
    """The hand-built opportunities, with the manager signed in."""
    sign_in(manager)
    return opportunity_set(core, manager)


def lead_ids(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'data-lead-id="(\d+)"', page)}


def deal_names(page: str) -> set[str]:
    return set(re.findall(r'<td class="cell-name"><a href="/opportunities/\d+">([^<]+)</a>', page))


def drill_line(page: str) -> str:
    """The 'Filtered: ...' line, its markup stripped and entities decoded."""
    found = re.search(r"<div[^>]*data-drill-filters[^>]*>(.*?)</div>", page, re.S)
    assert found, "the page does not say which click-through filters are active"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def remove_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)"[^>]*data-remove-drill-filters', page)
    assert found
    return html.unescape(found.group(1))


def total(page: str) -> int:
    found = re.search(r"<span data-total>(\d+)</span>", page)
    assert found
    return int(found.group(1))


def test_the_lead_list_applies_and_names_converted_only_and_untouched_days(
    client: TestClient, leads: dict[str, int]
) -> None:
    page = client.get("/leads?converted_only=true&untouched_days=30&rating=Hot")
    assert page.status_code == 200
    assert lead_ids(page.text) == set() and total(page.text) == 0  # no lead is rated Hot
    page = client.get("/leads?converted_only=true&untouched_days=30")
    # Converted: Won (updated 2026-01-05) and Recent (2026-03-10); only Won is untouched.
    assert lead_ids(page.text) == {leads["Won"]} and total(page.text) == 1
    line = drill_line(page.text)
    assert line.startswith("Filtered: converted only · untouched for 30 days")
    assert "Remove these filters" in line


def test_removing_the_click_through_filters_keeps_the_forms_filters(
    client: TestClient, leads: dict[str, int]
) -> None:
    page = client.get("/leads?untouched_days=30&status=Closed+-+Not+Converted&sort=last_name")
    # Untouched: Stale, Quiet, Closed; with the status: Closed alone.
    assert lead_ids(page.text) == {leads["Closed"]}
    assert remove_link(page.text) == "/leads?status=Closed+-+Not+Converted&sort=last_name"
    unfiltered = client.get(remove_link(page.text)).text
    assert "data-drill-filters" not in unfiltered
    assert lead_ids(unfiltered) == {leads["Closed"]}


def test_the_filters_ride_along_hidden_when_the_form_changes(
    client: TestClient, leads: dict[str, int]
) -> None:
    page = client.get("/leads?untouched_days=30").text
    assert '<input type="hidden" name="untouched_days" value="30">' in page
    # The form then submits them with its own fields, as htmx does on a change.
    response = client.get("/leads?q=&owner=&untouched_days=30&include_converted=on", headers=HX)
    assert lead_ids(response.text) == {leads[n] for n in ("Stale", "Quiet", "Closed", "Won")}
    assert response.headers["HX-Push-Url"] == "/leads?untouched_days=30&include_converted=on"
    export = re.search(r'href="(/api/v1/leads/export\.csv[^"]*)"', response.text)
    assert export and "untouched_days=30" in export.group(1)


@pytest.mark.parametrize(
    ("value", "message"),
    [("thirty", "Untouched days: 'thirty' is not a whole number of days"),
     ("0", "Untouched days: Must be a whole number of days between 1 and 36500"),
     ("99999999999", "Untouched days: Must be a whole number of days between 1 and 36500")],
)  # fmt: skip
def test_a_bad_untouched_days_shows_a_message_naming_the_filter(
    client: TestClient, leads: dict[str, int], value: str, message: str
) -> None:
    page = client.get(f"/leads?untouched_days={value}")
    assert page.status_code == 422
    assert message in html.unescape(page.text)


def test_the_opportunity_list_applies_and_names_every_drill_filter(
    client: TestClient, deals: dict[str, int]
) -> None:
    # Open Web deals in their stage since 03-05 or earlier: Alpha (01-10), Charlie (03-01).
    page = client.get("/opportunities?lead_source=Web&state=open&stage_entered_to=2026-03-05")
    assert page.status_code == 200
    assert deal_names(page.text) == {"Alpha", "Charlie"} and total(page.text) == 2
    assert drill_line(page.text).startswith(
        "Filtered: lead source Web · in its current stage since 2026-03-05 or earlier"
    )
    assert remove_link(page.text) == "/opportunities?state=open"
    assert deal_names(client.get(remove_link(page.text)).text) == {"Alpha", "Bravo", "Charlie"}


def test_the_opportunity_list_takes_categories_reasons_and_date_ranges(
    client: TestClient, deals: dict[str, int]
) -> None:
    query = ("forecast_category=Omitted&lost_reason=Price&lost_reason=Competitor"
             "&created_from=2026-02-01&created_to=2026-02-28")  # fmt: skip
    page = client.get(f"/opportunities?{query}").text
    # Omitted and lost for Price or Competitor: Delta and Echo; created in February: Delta.
    assert deal_names(page) == {"Delta"}
    assert drill_line(page).startswith(
        "Filtered: forecast category Omitted · lost reason Price, Competitor · created on or "
        "after 2026-02-01 · created on or before 2026-02-28"
    )
    # Every deal closes on 2026-06-30.
    closing = client.get("/opportunities?close_from=2026-06-30&close_to=2026-06-30").text
    assert len(deal_names(closing)) == 6
    assert "closing on or after 2026-06-30 · closing on or before 2026-06-30" in drill_line(closing)
    assert deal_names(client.get("/opportunities?close_to=2026-06-29").text) == set()


def test_bad_opportunity_drill_filters_show_messages_naming_them(
    client: TestClient, deals: dict[str, int]
) -> None:
    page = client.get("/opportunities?forecast_category=Maybe&lead_source=Pigeon"
                      "&stage_entered_to=2026-02-30&created_from=yesterday")  # fmt: skip
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "Stage entered to: '2026-02-30' is not a date (YYYY-MM-DD)" in text
    assert "Created from: 'yesterday' is not a date (YYYY-MM-DD)" in text
    page = client.get("/opportunities?forecast_category=Maybe&lead_source=Pigeon")
    text = html.unescape(page.text)
    assert "Forecast category: Unknown forecast_category 'Maybe'" in text
    assert "Lead source: Unknown lead_source 'Pigeon'" in text
