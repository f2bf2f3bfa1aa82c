"""Record pages in the browser: closing an opportunity as lost through the stage path, and
editing an account field in place."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from opportune import User
from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Deal:
    """The records the tests open: an account with two contacts and an opportunity."""

    account_id: int
    opportunity_id: int


def make_deal(server: LiveServer) -> Deal:
    """An account in Boston with contacts, an opportunity in Needs Analysis with a primary
    contact role, and a second, won opportunity."""
    core, dana = server.core, server.seeded.users["dana@example.com"]
    account = core.accounts.create(
        dana,
        {
            "name": "Northwind Traders",
            "industry": "Retail",
            "rating": "Warm",
            "phone": "+1 617 555 0100",
            "website": "https://northwind.example",
            "billing_street": "1 Harbor Way",
            "billing_city": "Boston",
            "billing_state": "MA",
            "billing_postal_code": "02110",
            "billing_country": "USA",
        },
    )
    assert account.id is not None
    ann = _contact(server, dana, account.id, "Ann", "Okafor", "CTO")
    _contact(server, dana, account.id, "Liam", "Chen", "CFO")
    opp = core.opportunities.create(
        dana,
        {
            "name": "Northwind fleet renewal",
            "account_id": account.id,
            "amount": "125000",
            "close_date": "2030-06-30",
            "type": "Existing Business",
        },
    )
    assert opp.id is not None
    core.opportunities.add_contact_role(
        dana, opp.id, {"contact_id": ann, "role": "Decision Maker", "is_primary": True}
    )
    core.opportunities.update(dana, opp.id, {"stage": "Needs Analysis"})
    core.opportunities.create(
        dana,
        {
            "name": "Northwind add-on seats",
            "account_id": account.id,
            "amount": "18000",
            "close_date": "2030-03-31",
            "stage": "Closed Won",
        },
    )
    return Deal(account.id, opp.id)


def _contact(
    server: LiveServer, user: User, account_id: int, first: str, last: str, title: str
) -> int:
    data = {
        "first_name": first,
        "last_name": last,
        "title": title,
        "account_id": account_id,
        "email": f"{first.lower()}@northwind.example",
    }
    contact = server.core.contacts.create(user, data)
    assert contact.id is not None
    return contact.id


def editing(ui: Page, name: str) -> None:
    """Wait until field ``name`` is an inline edit form that htmx has processed and that
    holds the focus, as a person's pace guarantees: keys pressed before that would reach
    an unprocessed form (other panels of the page swap in at their own pace)."""
    ui.wait_for_function(
        """name => {
            const form = document.querySelector(`form#field-${name}`);
            const busy = form && ["htmx-added", "htmx-request"].some(c => form.matches(`.${c}`));
            return form && !busy && form.contains(document.activeElement);
        }""",
        arg=name,
    )


def expect_change(ui: Page, field: str, old: str, new: str) -> None:
    """The timeline shows this change of ``field``."""
    item = ui.locator("#record-timeline .timeline-item").filter(
        has=ui.locator(".new", has_text=new)
    )
    expect(item.locator("strong")).to_have_text(field)
    expect(item.locator(".old")).to_have_text(old)


def test_closing_an_opportunity_as_lost_asks_for_the_reason_and_records_it(
    ui: Page, live_server: LiveServer
) -> None:
    deal = make_deal(live_server)
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/opportunities/{deal.opportunity_id}")
    expect(ui.locator(".path-step.is-current")).to_have_text("Needs Analysis")
    expect(ui.locator("#record-header")).to_contain_text("USD 125,000")
    expect(ui.locator("#contact-roles")).to_contain_text("Ann Okafor")
    screenshot(ui, "opportunity-page", full_page=True)

    ui.get_by_role("button", name="Closed Lost").click()
    prompt = ui.get_by_label("Why was this opportunity lost?")
    expect(prompt).to_be_visible()
    ui.get_by_role("button", name="Close as lost").click()
    expect(ui.locator("#f-lost_reason-error")).to_contain_text("A lost reason is required")
    expect(ui.locator(".path-step.is-current")).to_have_text("Needs Analysis")
    screenshot(ui, "opportunity-lost-needs-reason")

    ui.get_by_label("Why was this opportunity lost?").select_option("Competitor")
    ui.get_by_role("button", name="Close as lost").click()
    expect(ui.locator(".path-step.is-current")).to_have_text("Closed Lost")
    expect(ui.locator(".close-note")).to_contain_text("Closed lost: Competitor")
    expect(ui.locator("#field-lost_reason")).to_contain_text("Competitor")
    expect_change(ui, "Stage", "Needs Analysis", "Closed Lost")
    expect(ui.locator("#stage-history tbody tr").first).to_contain_text("Closed Lost")

    dana = live_server.seeded.users["dana@example.com"]
    saved = live_server.core.opportunities.get(dana, deal.opportunity_id)
    assert (saved.is_closed, saved.is_won) == (True, False)
    reason = live_server.core.pipeline.pipeline().lost_reason(saved.lost_reason_id)
    assert reason is not None and reason.label == "Competitor"
    ui.reload()
    expect(ui.locator(".path-step.is-current")).to_have_text("Closed Lost")
    screenshot(ui, "opportunity-closed-lost", full_page=True)


def test_an_account_field_is_edited_in_place_and_a_bad_value_shows_its_error(
    ui: Page, live_server: LiveServer
) -> None:
    deal = make_deal(live_server)
    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/accounts")
    ui.get_by_role("link", name="Northwind Traders").click()
    expect(ui.locator("#related-contacts")).to_contain_text("Ann Okafor")
    expect(ui.locator("#related-opportunities")).to_contain_text("Northwind fleet renewal")
    screenshot(ui, "account-page", full_page=True)

    ui.get_by_role("button", name=re.compile(r"^Phone")).click()
    editing(ui, "phone")
    phone = ui.locator("#f-phone")
    phone.fill("+1 617 555 0199")
    phone.press("Enter")
    expect(ui.locator("#field-phone")).to_contain_text("+1 617 555 0199")
    expect(ui.locator("#record-header")).to_contain_text("+1 617 555 0199")
    expect(ui.locator(".toast")).to_contain_text("Phone saved")
    expect_change(ui, "Phone", "+1 617 555 0100", "+1 617 555 0199")
    expect(ui.get_by_role("button", name=re.compile(r"^Phone"))).to_be_focused()

    ui.get_by_role("button", name=re.compile(r"^Employees")).click()
    editing(ui, "number_of_employees")
    ui.locator("#f-number_of_employees").fill("many")
    ui.keyboard.press("Enter")
    expect(ui.locator("#f-number_of_employees")).to_have_attribute("aria-invalid", "true")
    expect(ui.locator("#f-number_of_employees-error")).to_be_visible()
    editing(ui, "number_of_employees")
    ui.keyboard.press("Escape")
    expect(ui.locator("#field-number_of_employees")).to_contain_text("—")

    dana = live_server.seeded.users["dana@example.com"]
    account = live_server.core.accounts.get(dana, deal.account_id)
    assert (account.phone, account.number_of_employees) == ("+1 617 555 0199", None)
