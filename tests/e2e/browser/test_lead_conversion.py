"""Converting a lead in the browser: merge into the suggested account, follow the preview,
convert, see the filled field on the account, then undo and find the database as before."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in
from tests.snapshots import all_but_conversion_records

pytestmark = pytest.mark.browser

PHONE = "+1 206 555 0199"


def make_lead_and_account(server: LiveServer) -> tuple[int, int]:
    """A lead of Tessaract Instruments, and the account Tessaract Instruments Inc (the same
    company, so suggested by name) that has no phone or website yet."""
    core, dana = server.core, server.seeded.users["dana@example.com"]
    account = core.accounts.create(dana, {"name": "Tessaract Instruments Inc",
                                          "industry": "Manufacturing"})  # fmt: skip
    lead = core.leads.create(dana, {
        "first_name": "Maya", "last_name": "Lindqvist", "company": "Tessaract Instruments",
        "title": "Head of Procurement", "email": "maya@tessaract.example", "phone": PHONE,
        "website": "tessaract.example", "lead_source": "Partner Referral",
        "status": "Working - Contacted",
    })  # fmt: skip
    assert account.id is not None and lead.id is not None
    return lead.id, account.id


def test_converting_into_the_suggested_account_then_undoing_it(
    ui: Page, live_server: LiveServer
) -> None:
    lead_id, account_id = make_lead_and_account(live_server)
    before = all_but_conversion_records(live_server.core)
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(lead_id))
    ui.get_by_role("button", name="Convert", exact=True).click()
    dialog = ui.get_by_role("dialog", name=re.compile("Maya Lindqvist"))
    expect(dialog).to_be_visible()
    suggested = dialog.get_by_role("radio", name=re.compile("Merge into Tessaract Instruments Inc"))
    expect(suggested).to_be_checked()
    expect(dialog.locator(".choice.is-exact")).to_contain_text("Suggested: same company name")

    # Creating a new account instead would duplicate it: refused next to the choice.
    dialog.get_by_role("radio", name=re.compile("Create new account")).check()
    expect(dialog.locator("#cv-account-error")).to_contain_text("already exists")
    expect(dialog.get_by_role("button", name="Convert", exact=True)).to_be_disabled()

    suggested.check()
    preview = dialog.locator(".convert-preview")
    account = preview.locator(".preview-record[data-kind=account]")
    expect(account).to_contain_text("Will merge into account Tessaract Instruments Inc")
    filled = re.compile(rf"Phone: empty\s*→\s*becomes\s*{re.escape(PHONE)}")
    expect(account.locator(".fills li").first).to_have_text(filled)
    expect(account).to_contain_text("tessaract.example")
    expect(preview.locator(".preview-record[data-kind=contact]")).to_contain_text(
        "Will create contact Maya Lindqvist"
    )
    dialog.get_by_label("Name of the new opportunity").fill("Tessaract lab benches")
    dialog.get_by_label("Name of the new opportunity").press("Tab")
    expect(preview.locator(".preview-record[data-kind=opportunity]")).to_contain_text(
        "Will create opportunity Tessaract lab benches"
    )
    expect(dialog.get_by_role("button", name="Convert", exact=True)).to_be_enabled()
    screenshot(ui, "convert-dialog")

    dialog.get_by_role("button", name="Convert", exact=True).click()
    expect(dialog).to_contain_text("Converted into:")
    expect(ui.locator("#toasts")).to_contain_text("Lead Maya Lindqvist converted")
    expect(ui.locator("#conversion-panel")).to_contain_text("by Dana Whitfield into")
    dialog.get_by_role("link", name="Tessaract Instruments Inc").click()
    expect(ui).to_have_url(f"{live_server.url}/accounts/{account_id}")
    expect(ui.locator("#field-phone")).to_contain_text(PHONE)

    ui.goto(live_server.lead_url(lead_id))
    panel = ui.locator("#conversion-panel")
    expect(panel).to_contain_text("Converted on")
    expect(panel.locator("[data-kind=account]")).to_contain_text("Phone")
    expect(panel.get_by_role("link", name="Tessaract lab benches")).to_be_visible()
    expect(ui.get_by_role("button", name="Convert", exact=True)).to_have_count(0)
    screenshot(ui, "converted-lead", full_page=True)

    ui.once("dialog", lambda confirm: confirm.accept())
    panel.get_by_role("button", name="Undo conversion").click()
    expect(ui.locator("#toasts")).to_contain_text("Conversion of Maya Lindqvist undone")
    expect(ui.locator("#conversion-panel")).to_have_count(0)
    expect(ui.get_by_role("button", name="Convert", exact=True)).to_be_visible()
    expect(ui.locator(".path-step.is-current")).to_have_text("Working - Contacted")
    assert all_but_conversion_records(live_server.core) == before
    ui.reload()
    expect(ui.get_by_role("button", name="Convert", exact=True)).to_be_visible()


def test_any_account_can_be_searched_and_its_contacts_offered_and_escape_closes(
    ui: Page, live_server: LiveServer
) -> None:
    lead_id, _ = make_lead_and_account(live_server)
    core, dana = live_server.core, live_server.seeded.users["dana@example.com"]
    globex = core.accounts.create(dana, {"name": "Globex Research"})
    core.contacts.create(dana, {"first_name": "Hank", "last_name": "Scorpio",
                                "account_id": globex.id})  # fmt: skip
    sign_in(ui, live_server)
    ui.goto(live_server.lead_url(lead_id))
    ui.get_by_role("button", name="Convert", exact=True).click()
    dialog = ui.get_by_role("dialog", name=re.compile("Maya Lindqvist"))
    search = dialog.get_by_label("Account to merge into")
    search.press_sequentially("Globex")
    expect(dialog.get_by_role("radio", name="Merge into another account")).to_be_checked()
    expect(dialog.locator("#dl-cv-account option")).to_have_attribute(
        "value", f"Globex Research (#{globex.id})"
    )
    search.fill(f"Globex Research (#{globex.id})")
    search.press("Tab")
    expect(dialog.locator(".preview-record[data-kind=account]")).to_contain_text(
        "Will merge into account Globex Research"
    )
    hank = dialog.get_by_role("radio", name=re.compile("Merge into Hank Scorpio at Globex"))
    hank.check()
    expect(dialog.locator(".preview-record[data-kind=contact]")).to_contain_text(
        "Will merge into contact Hank Scorpio"
    )
    ui.keyboard.press("Escape")
    expect(ui.locator("dialog")).to_have_count(0)
    assert not core.leads.get(dana, lead_id).is_converted
    ui.get_by_role("button", name="Convert", exact=True).click()
    expect(ui.get_by_role("radio", name=re.compile("Merge into Tessaract"))).to_be_checked()
