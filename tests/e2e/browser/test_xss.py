"""User text is escaped everywhere: script payloads in every text field never run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from playwright.sync_api import Dialog, Page

from opportune.domain.imports.columns import SPECS
from tests.e2e.browser.conftest import LiveServer, sign_in

PAYLOADS = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
)
SHORT = "<svg onload=__xss=1>"  # for fields of 20 characters
JS_URL = "javascript:window.__xss=1"
# Fields that must be valid values of another kind, so cannot hold a payload.
NOT_TEXT = {"email"}


def payload_values(kind: str, n: int) -> dict[str, Any]:
    """Every text field of ``kind`` with one of the payloads; website a javascript: URL."""
    values: dict[str, Any] = {}
    for i, spec in enumerate(SPECS[kind].fields):
        if spec.kind.value == "text" and spec.name not in NOT_TEXT:
            text = f"x{n}{i} " + PAYLOADS[(i + n) % len(PAYLOADS)]
            limit = spec.max_length or len(text)
            values[spec.name] = text if len(text) <= limit else SHORT[:limit]
    if "website" in values:
        values["website"] = JS_URL
    return values


def seed_payloads(server: LiveServer) -> dict[str, str]:
    """Records full of payloads, owned by dana; their page paths by kind."""
    core, dana = server.core, server.seeded.users["dana@example.com"]
    lead = core.leads.create(dana, payload_values("lead", 0))
    account = core.accounts.create(dana, payload_values("account", 1))
    contact = core.contacts.create(dana, {**payload_values("contact", 2),
                                          "account_id": account.id})  # fmt: skip
    close = (datetime.now(UTC) + timedelta(days=20)).date()
    opp_values = {**payload_values("opportunity", 3), "account_id": account.id,
                  "close_date": close, "amount": "1000", "stage": "Prospecting"}  # fmt: skip
    opportunity = core.opportunities.create(dana, opp_values)
    for n, record in enumerate(({"lead_id": lead.id}, {"account_id": account.id})):
        core.activities.create(dana, {"kind": "task", "subject": PAYLOADS[n],
                                      "description": PAYLOADS[n + 1], "due_date": date.today(),
                                      **record})  # fmt: skip
        core.activities.create(dana, {"kind": "note", "title": PAYLOADS[n + 1],
                                      "body": PAYLOADS[n], **record})  # fmt: skip
    return {
        "lead": f"/leads/{lead.id}", "account": f"/accounts/{account.id}",
        "contact": f"/contacts/{contact.id}", "opportunity": f"/opportunities/{opportunity.id}",
    }  # fmt: skip


def test_script_payloads_in_every_text_field_never_run(ui: Page, live_server: LiveServer) -> None:
    pages = seed_payloads(live_server)
    dialogs: list[Dialog] = []
    ui.on("dialog", lambda dialog: (dialogs.append(dialog), dialog.dismiss()))
    violations: list[str] = []
    ui.on("console", lambda msg: violations.append(msg.text) if msg.type == "error" else None)
    sign_in(ui, live_server)
    paths = [*pages.values(), "/leads", "/leads?q=x0", "/accounts", "/contacts",
             "/opportunities", "/pipeline", "/dashboard", "/tasks"]  # fmt: skip
    for path in paths:
        ui.goto(live_server.url + path)
        ui.wait_for_load_state("networkidle")
        assert ui.evaluate("typeof window.__xss") == "undefined", path
    ui.goto(live_server.url + pages["lead"])
    ui.wait_for_load_state("networkidle")
    assert ui.get_by_text(PAYLOADS[0]).first.is_visible()  # shown as text, not run
    links = ui.locator("a[href^='javascript:']")
    assert links.count() == 0, "a javascript: website became a link"
    assert dialogs == []
    assert not [v for v in violations if "Content Security Policy" in v], violations
