"""Reports through the REST API: the catalog, JSON and CSV, and the errors.

The report computed here is a stand-in (:func:`fake_runner`) so these tests are about the
API shell: the numbers themselves are the library's, tested with each report.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.domain.reports.model import (
    ChartSpec,
    Drill,
    ReportColumn,
    ReportFilters,
    ReportLookups,
    ReportRequest,
    ReportResult,
    ReportRow,
)
from opportune.services.reports.runners import RUNNERS
from tests.e2e.api.conftest import Headers
from tests.e2e.api.helpers import assert_error, field_codes

API = "/api/v1/reports"
FAKE = "lead-conversion"  # a real report name whose runner the fixture replaces
FAKE_CSV = (
    "Lead source,Leads,Conversion rate,Won amount\r\n"
    '"Web, direct",1234,12.5,1234.50\r\n'
    "by source,0,,0.00\r\n"
    "Total,1234,12.5,1234.50\r\n"
)


def fake_runner(queries: object, filters: ReportFilters, lookups: ReportLookups) -> ReportResult:
    """Fixed numbers, plus a row telling which grouping and how many owners it was given."""
    web = ReportRow(
        {"group": "Web, direct", "leads": 1234, "rate": Decimal("12.5"),
         "amount": Decimal("1234.50")},
        drills={"leads": Drill("leads", {"lead_source": ["Web"], "created_from": "2026-01-01"})},
    )  # fmt: skip
    echo = ReportRow({"group": f"by {filters.by}", "leads": len(filters.owner_ids), "rate": None,
                      "amount": Decimal("0.00")})  # fmt: skip
    return ReportResult(
        name="ignored", title="ignored", description="", filters={},
        columns=(
            ReportColumn("group", "Lead source", "text"),
            ReportColumn("leads", "Leads", "count"),
            ReportColumn("rate", "Conversion rate", "percent"),
            ReportColumn("amount", "Won amount", "money"),
        ),
        rows=(web, echo), chart=ChartSpec("bar", "group", ("leads",)),
        totals=ReportRow({"leads": 1234, "rate": Decimal("12.5"), "amount": Decimal("1234.50")}),
    )  # fmt: skip


@pytest.fixture
def fake_report() -> Iterator[str]:
    """Run :func:`fake_runner` for the ``lead-conversion`` report during the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(RUNNERS, FAKE, fake_runner)
        yield FAKE


def test_the_catalog_lists_every_report_and_the_options_each_takes(
    client: TestClient, as_rep: Headers
) -> None:
    response = client.get(API, headers=as_rep)
    assert response.status_code == 200, response.text
    catalog = {r["name"]: r for r in response.json()}
    assert list(catalog) == [
        "lead-funnel", "lead-conversion", "lead-aging", "pipeline", "forecast", "win-rate",
        "sales-cycle", "time-in-stage", "lost-reasons", "source-to-revenue",
    ]  # fmt: skip
    assert catalog["win-rate"] == {
        "name": "win-rate", "title": "Win rate",
        "description": "Won ÷ closed opportunities, and average won deal size.",
        "date_field": "close date", "groupings": ["owner", "source", "period"],
        "uses_period": True, "uses_stage": False, "days_label": None, "default_days": 30,
    }  # fmt: skip
    assert catalog["lead-aging"]["days_label"] == "Untouched for (days)"


def test_a_report_answers_the_library_result_as_json(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers, fake_report: str
) -> None:
    response = client.get(f"{API}/{fake_report}?by=owner&owner=me", headers=as_rep)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    library = core.reports.run(rep, fake_report, ReportRequest(by="owner", owner=["me"]))
    assert body == library.as_dict()
    assert body["rows"][0]["values"] == {
        "group": "Web, direct", "leads": 1234, "rate": "12.5", "amount": "1234.50"
    }  # fmt: skip
    assert body["rows"][0]["drills"]["leads"] == {
        "records": "leads", "filters": {"lead_source": ["Web"], "created_from": "2026-01-01"}
    }  # fmt: skip
    assert body["rows"][1]["values"]["group"] == "by owner"  # the grouping reached the report
    assert (body["report"], body["title"]) == ("lead-conversion", "Lead conversion rate")
    assert body["filters"]["owner"] == [rep.id]  # `me` is the caller
    assert body["filters"]["by"] == "owner"


def test_owners_can_be_repeated_and_comma_separated(
    client: TestClient, admin: User, manager: User, rep: User, as_admin: Headers,
    fake_report: str,
) -> None:  # fmt: skip
    url = f"{API}/{fake_report}?owner=me&owner={rep.email},{manager.id}"
    body = client.get(url, headers=as_admin).json()
    assert body["filters"]["owner"] == [admin.id, rep.id, manager.id]
    assert body["rows"][1]["values"]["leads"] == 3  # three owners reached the report


def test_accept_text_csv_downloads_the_report_as_csv_named_after_it(
    client: TestClient, as_rep: Headers, fake_report: str
) -> None:
    response = client.get(f"{API}/{fake_report}", headers={**as_rep, "Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == ('attachment; filename="lead-conversion.csv"')
    assert response.text == FAKE_CSV


@pytest.mark.parametrize(
    ("accept", "query", "is_csv"),
    [
        ("text/csv;q=0.9, application/json;q=0.5", "", True),
        ("text/*", "", True),
        ("application/json, text/csv", "", False),  # a tie: JSON
        ("text/csv;q=0.5, application/json", "", False),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "", False),  # a browser: JSON
        ("", "", False),
        ("application/json", "?format=csv", True),
        ("text/csv", "?format=json", False),
    ],
)
def test_csv_is_chosen_by_the_accept_header_or_by_format(
    client: TestClient, as_rep: Headers, fake_report: str, accept: str, query: str, is_csv: bool
) -> None:
    response = client.get(f"{API}/{fake_report}{query}", headers={**as_rep, "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv") is is_csv
    assert (response.text == FAKE_CSV) is is_csv


def test_an_unknown_report_is_404_naming_the_reports(client: TestClient, as_rep: Headers) -> None:
    body = assert_error(client.get(f"{API}/revenue-magic", headers=as_rep), 404, "NOT_FOUND")
    assert "revenue-magic" in body["message"]
    assert "lead-funnel" in body["message"] and "source-to-revenue" in body["message"]
    csv = client.get(f"{API}/revenue-magic?format=csv", headers=as_rep)
    assert_error(csv, 404)  # an error stays JSON, never a broken file


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("date_from=2026-13-01", {"date_from": "INVALID_TYPE"}),
        ("days=many", {"days": "INVALID_TYPE"}),
        ("format=xml", {"format": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}),
        ("colour=red", {"colour": "INVALID_FIELD"}),
        ("lead_source=Nope&by=stage",
         {"lead_source": "INVALID_FILTER", "by": "INVALID_FILTER"}),
        ("owner=nobody@example.com", {"owner": "INVALID_FILTER"}),
        ("stage=Prospecting", {"stage": "INVALID_FILTER"}),  # no stages in this report
        ("days=10", {"days": "INVALID_FILTER"}),  # nor a day threshold
        ("date_from=2026-03-01&date_to=2026-02-01", {"date_to": "INVALID_RANGE"}),
    ],
)  # fmt: skip
def test_a_bad_filter_is_422_naming_the_field(
    client: TestClient, as_rep: Headers, fake_report: str, query: str, fields: dict[str, str]
) -> None:
    response = client.get(f"{API}/{fake_report}?{query}", headers=as_rep)
    assert_error(response, 422, "VALIDATION_ERROR")
    assert field_codes(response) == fields


def test_reports_need_a_token_or_a_session(client: TestClient, fake_report: str) -> None:
    assert_error(client.get(API), 401)
    assert_error(client.get(f"{API}/{fake_report}", headers={"Accept": "text/csv"}), 401)


def test_openapi_documents_the_report_as_json_or_csv(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/v1/reports/{name}"]["get"]
    content = operation["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["$ref"] == "#/components/schemas/ReportResultOut"
    assert "text/csv" in content
    parameters = {p["name"] for p in operation["parameters"]}
    assert {"date_from", "date_to", "owner", "lead_source", "stage", "by", "period", "days",
            "format"} <= parameters  # fmt: skip
    catalog = document["paths"]["/api/v1/reports"]["get"]["responses"]["200"]
    assert "ReportDefinitionOut" in str(catalog)
