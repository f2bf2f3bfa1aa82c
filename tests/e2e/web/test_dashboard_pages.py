"""The dashboard and the report pages as HTML: panels, chart data, drill links, CSV, filters.

The data set (today is 2026-03-15 on the service clock; the fiscal year starts in April):

=======  =======  ==============  ======================  =================================
lead     owner    source          status                  (all created on 2026-03-15)
=======  =======  ==============  ======================  =================================
Ames     Rae      Web             Open - Not Contacted
Baker    Rae      Web             Working - Contacted
Cole     Rae      Web             Working - Contacted
Dunn     Sam      Phone Inquiry   Working - Contacted
Eck      Sam      Phone Inquiry   Closed - Not Converted
=======  =======  ==============  ======================  =================================

=================  =====  ===================  ======  ==========  ===================
opportunity        owner  stage                amount  close date  expected revenue
=================  =====  ===================  ======  ==========  ===================
Acme rollout       Rae    Prospecting (10 %)   1000    2026-03-31  100
Globex pilot       Rae    Prospecting (10 %)    500    2026-04-15   50
Initech upsell     Rae    Qualification (10 %) 2000    2026-03-20  200
Hooli expansion    Sam    Negotiation (90 %)   4000    2026-03-25  3600
=================  =====  ===================  ======  ==========  ===================
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, Settings, User
from opportune.domain.reports.catalog import REPORTS
from tests.conftest import add_user
from tests.e2e.web.conftest import SignIn

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
FISCAL_START = 4  # April: this fiscal year and quarter differ from the calendar's
CHART_KINDS = {
    "lead-funnel": "funnel", "lead-conversion": "bar", "lead-aging": "stacked_bar",
    "pipeline": "bar", "forecast": "stacked_bar", "win-rate": "bar", "sales-cycle": "line",
    "time-in-stage": "bar", "lost-reasons": "bar", "source-to-revenue": "bar",
}  # fmt: skip


@pytest.fixture
def core(database_url: str, tmp_path: Path) -> Iterator[Opportune]:
    """Opportune on each engine with today fixed at 2026-03-15 and an April fiscal year."""
    settings = Settings(env="test", database_url=database_url, data_dir=tmp_path / "data",
                        fiscal_year_start_month=FISCAL_START)  # fmt: skip
    app = Opportune(settings, clock=lambda: NOW)
    yield app
    app.close()


@dataclass(frozen=True)
class Shop:
    """The users of the data set."""

    admin: User
    rae: User
    sam: User


@pytest.fixture
def shop(core: Opportune, admin: User) -> Shop:
    """The leads and opportunities of the module docstring."""
    rae, sam = add_user(core, "Rae Rep", "rep"), add_user(core, "Sam Seller", "rep")
    for name, owner, source, status in (
        ("Ames", rae, "Web", "Open - Not Contacted"),
        ("Baker", rae, "Web", "Working - Contacted"),
        ("Cole", rae, "Web", "Working - Contacted"),
        ("Dunn", sam, "Phone Inquiry", "Working - Contacted"),
        ("Eck", sam, "Phone Inquiry", "Closed - Not Converted"),
    ):
        data = {"last_name": name, "company": f"{name} Ltd", "owner_id": owner.id,
                "lead_source": source, "status": status}  # fmt: skip
        if status.startswith("Closed"):
            data["close_reason"] = "No budget"
        core.leads.create(admin, data, assign=False)
    account = core.accounts.create(admin, {"name": "Northwind Traders"}).id
    for name, owner, stage, amount, close in (
        ("Acme rollout", rae, "Prospecting", "1000", "2026-03-31"),
        ("Globex pilot", rae, "Prospecting", "500", "2026-04-15"),
        ("Initech upsell", rae, "Qualification", "2000", "2026-03-20"),
        ("Hooli expansion", sam, "Negotiation/Review", "4000", "2026-03-25"),
    ):
        core.opportunities.create(admin, {"name": name, "account_id": account, "stage": stage,
                                          "amount": amount, "close_date": close,
                                          "owner_id": owner.id})  # fmt: skip
    return Shop(admin, rae, sam)


# --- reading pages ---------------------------------------------------------------------------


def panel(html: str, name: str) -> str:
    """The dashboard panel of one report."""
    start = html.index(f'id="panel-{name}"')
    return html[start : html.index("</section>", start)]


def chart(html: str, name: str) -> dict[str, Any]:
    """The chart data the page carries for a report."""
    found = re.search(
        rf'<script type="application/json" class="chart-data" data-chart-for="chart-{name}">'
        r"(.*?)</script>",
        html,
        re.S,
    )
    assert found, f"no chart data for {name}"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def bar(data: dict[str, Any], series: str, label: str) -> tuple[float, str | None]:
    """The value and drill link of one bar: series key, category label."""
    dataset = next(d for d in data["datasets"] if d["key"] == series)
    index = data["labels"].index(label)
    return dataset["data"][index], dataset["drills"][index]


def links(html: str) -> list[str]:
    """Every link's target, unescaped."""
    return [unescape(h) for h in re.findall(r'<a [^>]*href="([^"]+)"', html)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def total(client: TestClient, url: str) -> int:
    """The number of records a list page says it shows."""
    found = re.search(r"<span data-total>(\d+)</span>", client.get(url).text)
    assert found, f"{url} shows no count"
    return int(found.group(1))


def selected(html: str, name: str) -> str:
    """The value selected in the form's select ``name``."""
    select = re.search(rf'<select id="rf-{name}" name="{name}".*?</select>', html, re.S)
    assert select
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return unescape(option.group(1)) if option else ""


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="rf-{name}-error">(.*?)</p>', html, re.S)
    assert found, f"no error shown next to {name}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


# --- the dashboard -------------------------------------------------------------------------


def test_the_dashboard_has_a_panel_per_report_with_its_chart_csv_and_report_links(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.text
    assert '<a href="/dashboard" aria-current="page">Dashboard</a>' in html
    for name, definition in REPORTS.items():
        box = panel(html, name)
        assert definition.title in box
        assert chart(html, name)["kind"] == CHART_KINDS[name]
        assert f"/reports/{name}.csv" in links(box)
        assert f"/reports/{name}" in links(box)
    assert "Dates: the opportunities&#39; close date." in panel(html, "pipeline")
    assert "Dates: the day each lead was created." in panel(html, "lead-funnel")


def test_a_funnel_bar_opens_the_lead_list_with_as_many_leads_as_the_bar_counts(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    funnel = chart(client.get("/dashboard").text, "lead-funnel")
    # Working - Contacted: Baker, Cole (Rae) and Dunn (Sam) = 3.
    count, url = bar(funnel, "leads", "Working - Contacted")
    assert count == 3
    assert url is not None and urlsplit(url).path == "/leads"
    assert query_of(url)["status"] == ["Working - Contacted"]
    assert total(client, url) == 3


def test_a_pipeline_bar_opens_the_opportunity_list_with_the_deals_behind_its_amount(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    pipeline = chart(client.get("/dashboard").text, "pipeline")
    assert pipeline["currency"] == "USD"
    # Prospecting: Acme rollout 1000 + Globex pilot 500 = 1500; expected 10 % of it = 150.
    amount, url = bar(pipeline, "amount", "Prospecting")
    assert (amount, bar(pipeline, "expected_revenue", "Prospecting")[0]) == (1500, 150)
    assert url is not None and urlsplit(url).path == "/opportunities"
    page = client.get(url).text
    assert re.search(r"<span data-total>2</span>", page)
    assert "Acme rollout" in page and "Globex pilot" in page and "Initech upsell" not in page


def test_filters_in_the_address_come_back_in_the_form_and_narrow_every_panel(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    query = (f"date_from=2026-03-01&date_to=2026-03-31&owner={shop.sam.id}"
             "&lead_source=phone+inquiry&stage=Negotiation/Review&period=quarter")  # fmt: skip
    html = client.get(f"/dashboard?{query}").text
    assert 'name="date_from" value="2026-03-01"' in html
    assert 'name="date_to" value="2026-03-31"' in html
    assert selected(html, "owner") == str(shop.sam.id)
    assert selected(html, "lead_source") == "Phone Inquiry"
    assert selected(html, "stage") == "Negotiation/Review"
    assert selected(html, "period") == "quarter"
    # Sam's Phone Inquiry leads: Dunn is Working - Contacted; Ames, Baker, Cole are Rae's.
    assert bar(chart(html, "lead-funnel"), "leads", "Working - Contacted")[0] == 1
    # Each report's links keep the filters it takes: stage and period only where they apply.
    forecast = query_of(next(u for u in links(panel(html, "forecast")) if ".csv" in u))
    assert forecast["period"] == ["quarter"] and forecast["stage"] == ["Negotiation/Review"]
    funnel = query_of(next(u for u in links(panel(html, "lead-funnel")) if ".csv" in u))
    assert funnel == {"date_from": ["2026-03-01"], "date_to": ["2026-03-31"],
                      "owner": [str(shop.sam.id)], "lead_source": ["phone inquiry"]}  # fmt: skip


def test_date_presets_cover_this_month_quarter_fiscal_year_and_last_12_months(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    html = client.get(f"/dashboard?owner={shop.rae.id}").text
    presets = re.findall(r'<a href="([^"]+)" class="preset"[^>]*>([^<]+)</a>', html)
    found = {label: query_of(unescape(url)) for url, label in presets}
    # Today 2026-03-15; the fiscal year starts in April, so FY2026 runs 2025-04-01 to
    # 2026-03-31 and its fourth quarter 2026-01-01 to 2026-03-31; the last 12 whole
    # months, March included, start on 2025-04-01.
    expected = {
        "This month": ("2026-03-01", "2026-03-31"),
        "This quarter": ("2026-01-01", "2026-03-31"),
        "This fiscal year": ("2025-04-01", "2026-03-31"),
        "Last 12 months": ("2025-04-01", "2026-03-31"),
    }
    for label, (start, end) in expected.items():
        assert found[label] == {"date_from": [start], "date_to": [end], "owner": [str(shop.rae.id)]}
    month = client.get(f"/dashboard?owner={shop.rae.id}&date_from=2026-03-01&date_to=2026-03-31")
    assert re.search(r'class="preset" aria-current="true">This month</a>', month.text)


def test_a_bad_filter_in_the_address_is_shown_next_to_its_field_instead_of_an_error_page(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    response = client.get(
        "/dashboard?date_from=2026-02-30&owner=nobody%40example.com&lead_source=Carrier+pigeon"
        "&period=fortnight"
    )
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "date_from") == "'2026-02-30' is not a date (YYYY-MM-DD)"
    assert field_error(html, "owner") == "Unknown owner 'nobody@example.com'"
    assert field_error(html, "lead_source") == "Unknown lead source 'Carrier pigeon'"
    assert field_error(html, "period") == "Must be one of: month, quarter, year"
    # What was typed stays in the form, to be corrected.
    assert selected(html, "owner") == "nobody@example.com"
    assert 'id="panel-' not in html


# --- CSV and report pages ----------------------------------------------------------------------


def test_the_csv_link_downloads_the_report_as_the_api_gives_it(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    response = client.get(f"/reports/pipeline.csv?owner={shop.rae.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="pipeline.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    # Rae's open deals: Prospecting 1000 + 500, Qualification 2000, all at 10 %.
    assert rows[:3] == [
        ["Stage", "Opportunities", "Amount", "Expected revenue"],
        ["Prospecting", "2", "1500.00", "150.00"],
        ["Qualification", "1", "2000.00", "200.00"],
    ]
    assert rows[-1] == ["Total", "3", "3500.00", "350.00"]
    api = client.get(f"/api/v1/reports/pipeline?owner={shop.rae.id}&format=csv")
    assert response.content == api.content


def test_a_report_page_links_every_number_of_its_table_to_the_records_behind_it(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    html = client.get("/reports/pipeline").text
    table = html[html.index('data-report-table="pipeline"') : html.index("</table>")]
    row = re.search(r"<tr><th scope=\"row\">Negotiation/Review</th>(.*?)</tr>", table, re.S)
    assert row
    cells = re.findall(r'<td class="num"><a href="([^"]+)"[^>]*>([^<]+)</a></td>', row.group(1))
    # Hooli expansion: one deal of 4000 at 90 %, so 3600 expected.
    assert [text for _, text in cells] == ["1", "USD 4,000.00", "USD 3,600.00"]
    assert all(total(client, unescape(url)) == 1 for url, _ in cells)
    footer = table[table.index("<tfoot>") :]
    # Every open deal: 1000 + 500 + 2000 + 4000 = 7500; expected 100 + 50 + 200 + 3600.
    assert ">Total</th>" in footer and ">USD 7,500.00</a>" in footer
    assert ">USD 3,950.00</a>" in footer
    assert "/reports/pipeline.csv" in links(html)


def test_a_report_page_keeps_its_own_options_in_the_form_and_its_links(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    html = client.get(f"/reports/lead-aging?owner={shop.rae.id}&days=7").text
    assert 'name="days" min="1" step="1" inputmode="numeric" value="7"' in html
    assert f"/reports/lead-aging.csv?owner={shop.rae.id}&days=7" in links(html)
    # Back to the dashboard with the shared filters only.
    assert f"/dashboard?owner={shop.rae.id}" in links(html)
    win_rate = client.get("/reports/win-rate?by=source").text
    assert selected(win_rate, "by") == "source"
    assert 'name="days"' not in win_rate
    refused = client.get("/reports/lead-funnel?stage=Prospecting&days=x")
    assert refused.status_code == 422
    assert "Stage: Lead funnel has no stages" in refused.text
    assert "Days: &#39;x&#39; is not a whole number of days" in refused.text


def test_an_unknown_report_is_a_not_found_page(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    for url in ("/reports/revenue-magic", "/reports/revenue-magic.csv"):
        response = client.get(url)
        assert response.status_code == 404
        assert "No report &#39;revenue-magic&#39;" in response.text


def test_the_dashboard_asks_visitors_to_sign_in(client: TestClient) -> None:
    response = client.get("/dashboard?owner=me")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard%3Fowner%3Dme"


def test_the_dashboard_loads_its_chart_library_from_this_server(
    client: TestClient, sign_in: SignIn, shop: Shop
) -> None:
    sign_in(shop.admin)
    html = client.get("/dashboard").text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert '<script src="/static/vendor/chart.umd.min.js?v=4.6.1" defer></script>' in html
    library = client.get("/static/vendor/chart.umd.min.js")
    assert library.status_code == 200 and "Chart.js v4.6.1" in library.text
    assert client.get("/static/vendor/chart.LICENSE").status_code == 200
    # No inline script: the charts' data are JSON blocks that reports.js reads.
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
