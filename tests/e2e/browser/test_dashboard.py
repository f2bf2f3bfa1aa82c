"""The dashboard in Chromium: a filter changes the address and the charts; a funnel bar
opens the list of the leads it counts.

The seed's 60 leads take their status from their number i (i % 4: 0 Open - Not Contacted,
1 and 2 Working - Contacted, 3 Closed - Not Converted) and their owner from i % 3 (Dana,
Marcus, Priya).
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

DOCS_IMAGE = Path(__file__).resolve().parents[3] / "docs" / "images" / "dashboard.png"
TODAY = datetime.now(UTC).date()


@pytest.fixture
def deals(live_server: LiveServer) -> None:
    """A few open, won and lost opportunities, so the deal charts have something to draw."""
    core = live_server.core
    users = live_server.seeded.users
    account = core.accounts.create(users["dana@example.com"], {"name": "Northwind Traders"}).id
    for name, email, stage, amount, days, extra in (
        ("Acme rollout", "dana@example.com", "Prospecting", "12000", 20, {}),
        ("Globex pilot", "marcus@example.com", "Qualification", "8000", 35, {}),
        ("Initech upsell", "priya@example.com", "Value Proposition", "15000", 50, {}),
        ("Umbrella renewal", "priya@example.com", "Proposal/Price Quote", "22000", 10, {}),
        ("Stark expansion", "marcus@example.com", "Negotiation/Review", "30000", 5, {}),
        ("Wayne platform", "dana@example.com", "Closed Won", "18000", 0, {}),
        ("Hooli cloud", "priya@example.com", "Closed Won", "9500", 0, {}),
        ("Vandelay import", "marcus@example.com", "Closed Lost", "7000", 0,
         {"lost_reason": "Price"}),
    ):  # fmt: skip
        core.opportunities.create(users[email], {
            "name": name, "account_id": account, "stage": stage, "amount": amount,
            "close_date": (TODAY + timedelta(days=days)).isoformat(), "lead_source": "Web",
            **extra,
        })  # fmt: skip


def funnel_bars(ui: Page) -> dict[str, int | None]:
    """The funnel chart's first bars as drawn: status label -> leads that reached it."""
    expect(ui.locator("#chart-lead-funnel")).to_have_attribute("data-chart-ready", "true")
    bars: dict[str, int | None] = ui.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("chart-lead-funnel"));
            const data = chart.data.datasets[0].data;
            return Object.fromEntries(chart.data.labels.map((label, i) => [label, data[i]]));
        }"""
    )
    return bars


def bar_centre(ui: Page, label: str) -> tuple[float, float]:
    """Where on the page the funnel's bar for ``label`` is drawn (its final position)."""
    ui.locator("#chart-lead-funnel").scroll_into_view_if_needed()
    x, y = ui.evaluate(
        """(label) => {
            const canvas = document.getElementById("chart-lead-funnel");
            const chart = Chart.getChart(canvas);
            const bar = chart.getDatasetMeta(0).data[chart.data.labels.indexOf(label)];
            const end = bar.getProps(["x", "y", "base"], true);
            const box = canvas.getBoundingClientRect();
            return [box.left + (end.x + end.base) / 2, box.top + end.y];
        }""",
        label,
    )
    return x, y


def test_a_filter_redraws_the_charts_and_a_funnel_bar_opens_the_leads_behind_it(
    ui: Page, live_server: LiveServer, deals: None, tmp_path: Path
) -> None:
    ui.emulate_media(reduced_motion="reduce")  # charts drawn at once, for stable pictures
    sign_in(ui, live_server)
    ui.get_by_role("link", name="Dashboard").click()
    expect(ui.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    # All 60 leads: i % 4 == 0 for 15, 1 or 2 for 30, 3 for 15; none converted. Every lead
    # reached the first step; 30 + 0 converted reached Working; the closed 15 are an exit.
    assert funnel_bars(ui) == {
        "Open - Not Contacted": 60, "Working - Contacted": 30,
        "Closed - Converted": 0, "Closed - Not Converted": None,
    }  # fmt: skip
    expect(ui.locator("#chart-pipeline")).to_have_attribute("data-chart-ready", "true")
    ui.screenshot(path=str(tmp_path / "dashboard.png"))
    DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "dashboard.png", DOCS_IMAGE)

    priya = live_server.seeded.users["priya@example.com"]
    ui.get_by_label("Owner").select_option(label="Priya Raman")
    expect(ui).to_have_url(re.compile(rf"/dashboard\?owner={priya.id}$"))
    expect(ui.get_by_label("Owner")).to_have_value(str(priya.id))
    # Priya's leads are i = 2, 5, 8, ... 59: i % 4 runs 2, 1, 0, 3 five times over, so 20
    # leads: 5 open, 10 working, 5 closed.
    assert funnel_bars(ui) == {
        "Open - Not Contacted": 20, "Working - Contacted": 10,
        "Closed - Converted": 0, "Closed - Not Converted": None,
    }  # fmt: skip
    screenshot(ui, "dashboard-filtered")

    x, y = bar_centre(ui, "Working - Contacted")
    ui.mouse.move(x, y)
    expect(ui.locator("#chart-lead-funnel")).to_have_css("cursor", "pointer")
    ui.mouse.click(x, y)

    expect(ui.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    expect(ui.locator("[data-total]")).to_have_text("10")
    query = parse_qs(urlsplit(ui.url).query)
    # Reaching Working means being there or at a later step (converted).
    assert query["status"] == ["Working - Contacted", "Closed - Converted"]
    assert query["owner"] == [str(priya.id)]
    expect(ui.locator("#lead-results tbody tr")).to_have_count(10)
