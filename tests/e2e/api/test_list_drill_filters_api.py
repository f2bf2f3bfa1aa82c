"""The list filters report click-throughs use, on the REST list and export endpoints.

Records and their dates: ``tests/drill_records.py``. The installation's clock says
2026-03-15, so ``untouched_days=30`` means last touched before 2026-02-13 00:00 UTC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.conftest import make_settings
from tests.drill_records import lead_set, opportunity_set
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
LEADS = "/api/v1/leads"
OPPORTUNITIES = "/api/v1/opportunities"


@pytest.fixture
def core(database_url: str, tmp_path: Path) -> Iterator[Opportune]:
    """An installation on a fresh database of each engine whose clock says ``NOW``."""
    app = Opportune(make_settings(database_url, tmp_path), clock=lambda: NOW)
    yield app
    app.close()


@pytest.fixture
def leads(core: Opportune, manager: User) -> dict[str, int]:
    return lead_set(core, manager, NOW.date())


@pytest.fixture
def deals(core: Opportune, manager: User) -> dict[str, int]:
    return opportunity_set(core, manager)


def listed(client: TestClient, path: str, headers: Headers, **params: Any) -> dict[str, Any]:
    response = client.get(path, params={"limit": 100, "with_total": "true", **params},
                          headers=headers)  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def lead_names(client: TestClient, headers: Headers, **params: Any) -> set[str]:
    return {item["last_name"] for item in listed(client, LEADS, headers, **params)["items"]}


def deal_names(client: TestClient, headers: Headers, **params: Any) -> set[str]:
    return {item["name"] for item in listed(client, OPPORTUNITIES, headers, **params)["items"]}


def exported(client: TestClient, path: str, headers: Headers, **params: Any) -> set[str]:
    response = client.get(f"{path}/export.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    rows = csv.DictReader(io.StringIO(response.text, newline=""))
    return {row.get("last_name") or row["name"] for row in rows}


def test_the_lead_list_takes_converted_only_and_untouched_days(
    client: TestClient, as_manager: Headers, leads: dict[str, int]
) -> None:
    assert lead_names(client, as_manager, converted_only="true") == {"Won", "Recent"}
    # Stale, Quiet and Closed were last touched before 02-13; Edge exactly at it.
    assert lead_names(client, as_manager, untouched_days=30) == {"Stale", "Quiet", "Closed"}
    both = listed(client, LEADS, as_manager, converted_only="true", untouched_days="30")
    assert [i["last_name"] for i in both["items"]] == ["Won"] and both["total"] == 1


def test_untouched_leads_page_through_the_api_with_cursors(
    client: TestClient, as_manager: Headers, leads: dict[str, int]
) -> None:
    params: dict[str, Any] = {"untouched_days": 30, "sort": "-last_name", "limit": 2,
                              "with_total": "true"}  # fmt: skip
    first = client.get(LEADS, params=params, headers=as_manager).json()
    second = client.get(LEADS, params={**params, "cursor": first["next_cursor"]},
                        headers=as_manager).json()  # fmt: skip
    assert [i["last_name"] for i in first["items"]] == ["Stale", "Quiet"]
    assert [i["last_name"] for i in second["items"]] == ["Closed"]
    assert first["total"] == second["total"] == 3 and second["next_cursor"] is None


@pytest.mark.parametrize(
    ("value", "code"),
    [("0", "NUMBER_OUTSIDE_VALID_RANGE"), ("36501", "NUMBER_OUTSIDE_VALID_RANGE"),
     ("thirty", "INVALID_TYPE"), ("2.5", "INVALID_TYPE")],
)  # fmt: skip
def test_a_bad_untouched_days_is_refused_naming_it(
    client: TestClient, as_manager: Headers, value: str, code: str
) -> None:
    for path in (LEADS, f"{LEADS}/export.csv"):
        response = client.get(path, params={"untouched_days": value}, headers=as_manager)
        assert_error(response, 422, code, field="untouched_days")


def test_the_opportunity_list_takes_every_drill_filter(
    client: TestClient, as_manager: Headers, deals: dict[str, int]
) -> None:
    def names(**params: Any) -> set[str]:
        return deal_names(client, as_manager, **params)

    assert names(lead_source="web") == {"Alpha", "Charlie", "Delta"}
    assert names(lead_source=["Web", "Partner Referral"]) == {"Alpha", "Bravo", "Charlie", "Delta"}
    assert names(forecast_category="COMMIT") == {"Bravo"}
    assert names(forecast_category="Best Case,Omitted") == {"Charlie", "Delta", "Echo"}
    assert names(lost_reason=["Price", "Competitor"]) == {"Delta", "Echo"}
    assert names(created_from="2026-02-01", created_to="2026-02-28") == {
        "Charlie", "Delta", "Foxtrot",
    }  # fmt: skip
    assert names(stage_entered_to="2026-02-28") == {"Alpha", "Bravo"}


def test_drill_filters_combine_and_the_total_counts_them_all(
    client: TestClient, as_manager: Headers, deals: dict[str, int]
) -> None:
    # Open Web deals in their stage since 03-05 or earlier: Alpha (01-10), Charlie (03-01).
    body = listed(client, OPPORTUNITIES, as_manager, lead_source="Web", state="open",
                  stage_entered_to="2026-03-05")  # fmt: skip
    assert {i["name"] for i in body["items"]} == {"Alpha", "Charlie"} and body["total"] == 2
    lost = listed(client, OPPORTUNITIES, as_manager, lost_reason="Price",
                  forecast_category="Omitted", created_from="2026-02-01")  # fmt: skip
    assert [i["name"] for i in lost["items"]] == ["Delta"] and lost["total"] == 1


def test_exports_take_the_same_drill_filters(
    client: TestClient, as_manager: Headers, leads: dict[str, int], deals: dict[str, int]
) -> None:
    assert exported(client, LEADS, as_manager, untouched_days=30, include_converted="true") == {
        "Stale", "Quiet", "Closed", "Won",
    }  # fmt: skip
    assert exported(client, LEADS, as_manager, converted_only="true") == {"Won", "Recent"}
    assert exported(client, OPPORTUNITIES, as_manager, lead_source="Web",
                    stage_entered_to="2026-03-01") == {"Alpha", "Charlie"}  # fmt: skip


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [({"lead_source": "Carrier pigeon"}, "lead_source", "INVALID_FILTER"),
     ({"forecast_category": "Maybe"}, "forecast_category", "INVALID_FILTER"),
     ({"lost_reason": "Boredom"}, "lost_reason", "INVALID_FILTER"),
     ({"created_from": "2026-03-01", "created_to": "2026-02-01"}, "created_to", "INVALID_RANGE"),
     ({"created_from": "March"}, "created_from", None),
     ({"stage_entered_to": "2026-02-30"}, "stage_entered_to", None)],
)  # fmt: skip
def test_a_bad_opportunity_drill_filter_is_refused_naming_it(
    client: TestClient, as_manager: Headers, params: dict[str, str], field: str, code: str | None
) -> None:
    for path in (OPPORTUNITIES, f"{OPPORTUNITIES}/export.csv"):
        response = client.get(path, params=params, headers=as_manager)
        assert_error(response, 422, code, field=field)


def test_the_openapi_document_describes_the_drill_filters(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]

    def parameters(path: str) -> dict[str, str]:
        found = paths[path]["get"]["parameters"]
        return {p["name"]: p.get("description", "") for p in found}

    for path in (LEADS, f"{LEADS}/export.csv"):
        documented = parameters(path)
        assert {"converted_only", "untouched_days"} <= documented.keys()
        assert "36500" in documented["untouched_days"]
    for path in (OPPORTUNITIES, f"{OPPORTUNITIES}/export.csv"):
        documented = parameters(path)
        assert {"lead_source", "forecast_category", "lost_reason", "created_from",
                "created_to", "stage_entered_to"} <= documented.keys()  # fmt: skip
        assert "Best Case" in documented["forecast_category"]
