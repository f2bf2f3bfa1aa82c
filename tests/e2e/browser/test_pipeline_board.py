"""The pipeline board in the browser: drag cards between stages, close as won or lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from opportune import Opportune, Opportunity
from tests.e2e.browser.conftest import LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser

TODAY = datetime.now(UTC).date()


@dataclass(frozen=True)
class Deals:
    """The opportunities each test starts with."""

    rollout: Opportunity
    pilot: Opportunity
    upsell: Opportunity


def stage_id(core: Opportune, label: str) -> int:
    return next(s.id for s in core.pipeline.stages() if s.label == label)


@pytest.fixture
def deals(live_server: LiveServer) -> Deals:
    """Two deals in Prospecting and one in Qualification, all Dana's."""
    core = live_server.core
    dana = live_server.seeded.users["dana@example.com"]
    account = core.accounts.create(dana, {"name": "Northwind Traders"}).id

    def make(name: str, stage: str, amount: str, days: int) -> Opportunity:
        return core.opportunities.create(dana, {
            "name": name, "account_id": account, "stage": stage, "amount": amount,
            "close_date": (TODAY + timedelta(days=days)).isoformat(),
        })  # fmt: skip

    return Deals(
        rollout=make("Acme rollout", "Prospecting", "1000", 10),
        pilot=make("Globex pilot", "Prospecting", "500", 20),
        upsell=make("Initech upsell", "Qualification", "2000", 30),
    )


def column(ui: Page, core: Opportune, label: str) -> Locator:
    return ui.locator(f'.board-column[data-stage-id="{stage_id(core, label)}"]')


def open_board(ui: Page, server: LiveServer) -> None:
    sign_in(ui, server)
    ui.get_by_role("link", name="Pipeline").click()
    expect(ui.get_by_role("heading", name="Pipeline", exact=True)).to_be_visible()


def test_dragging_a_card_to_another_stage_moves_it_and_updates_both_columns(
    ui: Page, live_server: LiveServer, deals: Deals
) -> None:
    core = live_server.core
    open_board(ui, live_server)
    prospecting, qualification = column(ui, core, "Prospecting"), column(ui, core, "Qualification")
    expect(prospecting.locator("[data-count]")).to_have_text("2 opportunities")
    expect(prospecting.locator("[data-amount]")).to_have_text("USD 1,500")
    expect(qualification.locator("[data-count]")).to_have_text("1 opportunity")
    screenshot(ui, "pipeline-board")

    ui.locator(f"#opp-{deals.rollout.id}").drag_to(qualification)

    expect(qualification.locator(f"#opp-{deals.rollout.id}")).to_be_visible()
    expect(qualification.locator("[data-count]")).to_have_text("2 opportunities")
    expect(qualification.locator("[data-amount]")).to_have_text("USD 3,000")
    expect(qualification.locator("[data-expected]")).to_have_text("USD 300")
    expect(prospecting.locator("[data-count]")).to_have_text("1 opportunity")
    expect(prospecting.locator("[data-amount]")).to_have_text("USD 500")
    # Cards keep close date order in their new column.
    expect(qualification.locator(".card-name")).to_have_text(["Acme rollout", "Initech upsell"])
    expect(ui.locator("#toasts")).to_contain_text("Acme rollout moved to Qualification")
    stored = core.opportunities.get(
        live_server.seeded.users["dana@example.com"], deals.rollout.id or 0
    )
    assert (stored.stage_id, stored.version) == (stage_id(core, "Qualification"), 2)
    screenshot(ui, "pipeline-board-after-move")

    ui.reload()
    expect(qualification.locator("[data-count]")).to_have_text("2 opportunities")


def test_dropping_on_closed_lost_asks_why_and_cancel_puts_the_card_back(
    ui: Page, live_server: LiveServer, deals: Deals
) -> None:
    core = live_server.core
    dana = live_server.seeded.users["dana@example.com"]
    open_board(ui, live_server)
    prospecting = column(ui, core, "Prospecting")
    card = ui.locator(f"#opp-{deals.pilot.id}")
    lost_zone = ui.locator(".zone-lost")
    dialog = ui.get_by_role("dialog", name="Close as lost")

    card.drag_to(lost_zone)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Why was Globex pilot lost?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(prospecting.locator(f"#opp-{deals.pilot.id}")).to_be_visible()
    assert core.opportunities.get(dana, deals.pilot.id or 0) == deals.pilot

    card.drag_to(lost_zone)
    dialog.get_by_role("button", name="Close as lost").click()
    expect(dialog.get_by_text("Choose a lost reason.")).to_be_visible()
    dialog.get_by_label("Lost reason").select_option("Competitor")
    screenshot(ui, "pipeline-lost-reason")
    dialog.get_by_role("button", name="Close as lost").click()

    expect(card).to_have_count(0)
    expect(lost_zone.locator("[data-count]")).to_have_text("1")
    expect(lost_zone).to_contain_text("1 opportunity · USD 500")
    expect(prospecting.locator("[data-count]")).to_have_text("1 opportunity")
    stored = core.opportunities.get(dana, deals.pilot.id or 0)
    reason = next(r for r in core.pipeline.lost_reasons() if r.label == "Competitor")
    assert (stored.is_closed, stored.is_won, stored.lost_reason_id) == (True, False, reason.id)


def test_move_to_works_from_the_keyboard_and_closing_as_won_takes_the_card_off(
    ui: Page, live_server: LiveServer, deals: Deals
) -> None:
    core = live_server.core
    open_board(ui, live_server)
    ui.locator(f"#opp-{deals.upsell.id} [data-move-button]").focus()
    ui.keyboard.press("Enter")
    dialog = ui.get_by_role("dialog", name="Move Initech upsell")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Stage").select_option(label="Closed Won")
    dialog.get_by_role("button", name="Move", exact=True).press("Enter")

    expect(ui.locator(f"#opp-{deals.upsell.id}")).to_have_count(0)
    expect(ui.locator(".zone-won")).to_contain_text("1 opportunity · USD 2,000")
    expect(column(ui, core, "Qualification").locator("[data-count]")).to_have_text(
        "0 opportunities"
    )
    expect(column(ui, core, "Qualification")).to_contain_text("No opportunities at this stage yet.")
    assert core.opportunities.get(live_server.seeded.users["dana@example.com"],
                                  deals.upsell.id or 0).is_won  # fmt: skip


def test_a_card_someone_else_changed_goes_back_with_a_clear_message(
    ui: Page, live_server: LiveServer, deals: Deals
) -> None:
    core = live_server.core
    marcus = live_server.seeded.users["marcus@example.com"]
    # Dana shares the deal with Marcus, who may then change it behind her back.
    dana = live_server.seeded.users["dana@example.com"]
    core.sharing.share(dana, "opportunity", deals.rollout.id or 0, access="edit",
                       user_id=marcus.id)  # fmt: skip
    open_board(ui, live_server)
    core.opportunities.update(marcus, deals.rollout.id or 0, {"amount": "1200"})

    ui.locator(f"#opp-{deals.rollout.id}").drag_to(column(ui, core, "Needs Analysis"))

    expect(ui.locator(".toast-error")).to_contain_text("was changed by someone else")
    expect(column(ui, core, "Prospecting").locator(f"#opp-{deals.rollout.id}")).to_be_visible()
    expect(column(ui, core, "Needs Analysis").locator("[data-card]")).to_have_count(0)
    stored = core.opportunities.get(marcus, deals.rollout.id or 0)
    assert stored.stage_id == stage_id(core, "Prospecting")
