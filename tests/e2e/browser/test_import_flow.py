"""Importing in the browser: upload a CSV, map a column by hand, follow the job, revert it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from opportune.services.filters import LeadFilters
from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser
ROWS = 400


def write_csv(path: Path) -> Path:
    """A trade-show list: 'Firm' is not a name the import knows; one row lacks a surname."""
    lines = ["Surname,First,Firm,E-mail,Booth notes"]
    lines += [
        f'Visitor{i},Pat,Firm {i} Ltd,pat{i}@fair.example,"met at booth, row {i}"'
        for i in range(ROWS)
    ]
    lines.append(",Nobody,No Name Ltd,nobody@fair.example,")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_upload_map_start_follow_and_revert(
    ui: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    core, dana = live_server.core, live_server.seeded.users["dana@example.com"]
    before = core.leads.list(dana, LeadFilters(with_total=True, limit=1)).page.total
    sign_in(ui, live_server)
    ui.get_by_role("link", name="Import").click()
    expect(ui.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    ui.get_by_label("The rows are").select_option("lead")
    ui.get_by_label("CSV file").set_input_files(str(write_csv(tmp_path / "fair.csv")))
    ui.get_by_role("button", name="Upload and map columns").click()

    expect(ui.get_by_role("heading", name="Map the columns of fair.csv")).to_be_visible()
    expect(ui.get_by_label("Surname")).to_have_value("last_name")
    expect(ui.get_by_label("E-mail")).to_have_value("email")
    expect(ui.locator("[data-problems]")).to_contain_text("company")
    start = ui.get_by_role("button", name="Start import")
    expect(start).to_be_disabled()
    ui.get_by_label("Firm").select_option("company")  # the column mapped by hand
    expect(ui.locator("[data-row-errors], [data-mapping-ok]")).to_be_visible()
    expect(ui.locator("[data-problems]")).to_have_count(0)
    ui.get_by_label("Booth notes").select_option("description")
    screenshot(ui, "import-mapping", full_page=True)
    ui.get_by_role("button", name="Start import").click()

    expect(ui).to_have_url(re.compile(r"/imports/\d+$"))
    status = ui.locator("[data-import-status]")
    expect(status).to_have_text("Completed", timeout=60_000)
    expect(ui.locator('[data-count="created"]')).to_have_text(f"{ROWS:,}")
    expect(ui.locator('[data-count="errors"]')).to_have_text("1")
    expect(ui.locator("progress.import-bar")).to_have_attribute("value", "100.0")
    screenshot(ui, "import-done")
    with ui.expect_download() as download:
        ui.locator("[data-error-file]").click()
    assert "Nobody" in Path(download.value.path()).read_text(encoding="utf-8")
    after = core.leads.list(dana, LeadFilters(with_total=True, limit=1)).page.total
    assert after == before + ROWS
    (lead,) = core.leads.list(dana, LeadFilters(q="pat7@fair.example")).page.items
    assert (lead.company, lead.description) == ("Firm 7 Ltd", "met at booth, row 7")

    ui.once("dialog", lambda dialog: dialog.accept())
    ui.get_by_role("button", name="Revert import").click()
    expect(status).to_have_text("Reverted")
    assert core.leads.list(dana, LeadFilters(with_total=True, limit=1)).page.total == before
    ui.get_by_role("link", name="All imports").click()
    row = ui.locator("tr", has_text="fair.csv")
    expect(row).to_contain_text("Reverted")
