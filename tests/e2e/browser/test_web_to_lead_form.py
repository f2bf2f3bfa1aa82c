"""A real HTML form, on another site, posting to web-to-lead in Chromium.

The generated snippet is pasted into pages served by a tiny static web server on
another port (another origin than the CRM), as a customer's website would. Posts are
filled in and sent by the browser; the CRM's database says what happened.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from opportune.db import tables as t
from opportune.domain.web_forms import WebForm
from tests.e2e.browser.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser

THANKS = "<!doctype html><title>Thanks</title><h1>Thanks for your enquiry!</h1>"


@dataclass(frozen=True)
class Website:
    """The customer's website: a folder of pages and the address it is served at."""

    root: Path
    url: str

    def publish(self, name: str, snippet: str) -> str:
        """Put a page with the snippet on the site; return its address."""
        page = f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{name}</title>"
        page += f"</head><body><h1>Talk to us</h1>{snippet}</body></html>"
        (self.root / f"{name}.html").write_text(page, encoding="utf-8")
        return f"{self.url}/{name}.html"


@pytest.fixture
def website(tmp_path: Path) -> Iterator[Website]:
    root = tmp_path / "site"
    root.mkdir()
    (root / "thanks.html").write_text(THANKS, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Website(root, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        del format, args


def _form(server: LiveServer, website: Website, name: str, **settings: Any) -> tuple[WebForm, str]:
    """A web form whose snippet is published on the website; return it and the page URL."""
    admin = server.seeded.users["dana@example.com"]
    form = server.core.web_forms.create(
        admin,
        {
            "name": name,
            "allowed_redirect_hosts": ["127.0.0.1"],
            "use_assignment_rule": False,
            "defaults": {"lead_source": "Web", "campaign": name},
            **settings,
        },
    )
    snippet = server.core.web_forms.snippet(
        admin,
        form.id or 0,
        base_url=server.url,
        fields=["first_name", "email", "city"],
        return_url=f"{website.url}/thanks.html",
    )
    return form, website.publish(name.lower().replace(" ", "-"), snippet)


def _fill_and_send(page: Page, url: str, last_name: str, *, spam: bool = False) -> None:
    page.goto(url)
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Company").fill("Navy Computing Lab")
    page.get_by_label("Email").fill(f"{last_name.lower()}@navy.example")
    page.get_by_label("City").fill("Arlington")
    if spam:  # what a robot does: fill every input, the invisible one too
        page.locator("#website_url_hp").evaluate(
            "input => { input.value = 'http://spam.example'; }"
        )
    page.get_by_role("button", name="Submit").click()


def _leads_named(server: LiveServer, last_name: str) -> list[dict[str, Any]]:
    with server.core.engine.connect() as conn:
        rows = conn.execute(select(t.leads).where(t.leads.c.last_name == last_name))
        return [dict(r._mapping) for r in rows]


def test_a_visitor_posts_the_pasted_form_and_lands_on_the_thank_you_page(
    ui: Page, live_server: LiveServer, website: Website
) -> None:
    form, url = _form(live_server, website, "Spring campaign")
    ui.goto(url)
    expect(ui.locator("#website_url_hp")).not_to_be_in_viewport()  # people never see it
    screenshot(ui, "web-to-lead-pasted-form")
    _fill_and_send(ui, url, "Hopper")
    expect(ui).to_have_url(f"{website.url}/thanks.html")
    expect(ui.get_by_role("heading", name="Thanks for your enquiry!")).to_be_visible()
    [lead] = _leads_named(live_server, "Hopper")
    assert (lead["first_name"], lead["city"], lead["campaign"]) == (
        "Grace",
        "Arlington",
        "Spring campaign",
    )

    _fill_and_send(ui, url, "Robot", spam=True)
    expect(ui).to_have_url(f"{website.url}/thanks.html")  # answered like a success
    assert _leads_named(live_server, "Robot") == []
    statuses = [
        s.status.value
        for s in live_server.core.web_forms.submissions(
            live_server.seeded.users["dana@example.com"], form.id or 0
        ).items
    ]
    assert statuses == ["spam", "created"]


def test_the_third_post_from_one_address_in_an_hour_gets_the_rate_limit_page(
    ui: Page, live_server: LiveServer, website: Website
) -> None:
    _, url = _form(live_server, website, "Limited", per_ip_per_hour=2)
    for name in ("Alpha", "Bravo"):
        _fill_and_send(ui, url, name)
        expect(ui).to_have_url(f"{website.url}/thanks.html")
    _fill_and_send(ui, url, "Charlie")
    expect(ui.get_by_role("heading", name="Please try again later")).to_be_visible()
    expect(ui.get_by_text("Too many posts from your address this hour")).to_be_visible()
    screenshot(ui, "web-to-lead-rate-limited")
    assert len(_leads_named(live_server, "Alpha") + _leads_named(live_server, "Bravo")) == 2
    assert _leads_named(live_server, "Charlie") == []


def test_a_post_over_the_daily_cap_is_queued_and_becomes_a_lead_the_next_day(
    ui: Page, live_server: LiveServer, website: Website
) -> None:
    form, url = _form(live_server, website, "Capped", daily_cap=1)
    _fill_and_send(ui, url, "Early")
    expect(ui).to_have_url(f"{website.url}/thanks.html")
    _fill_and_send(ui, url, "Overflow")
    expect(ui).to_have_url(f"{website.url}/thanks.html")  # the visitor is not turned away
    assert len(_leads_named(live_server, "Early")) == 1
    assert _leads_named(live_server, "Overflow") == []

    core = live_server.core
    assert core.web_forms.process_queue().processed == 0  # still today: no room
    run = core.web_forms.process_queue(core.web_forms.clock() + timedelta(days=1))
    assert run.processed == 1 and run.remaining == 0
    assert len(_leads_named(live_server, "Overflow")) == 1

    # The admin sees it on the form's page.
    from tests.e2e.browser.conftest import sign_in

    sign_in(ui, live_server)
    ui.goto(f"{live_server.url}/setup/web-forms/{form.id}")
    expect(ui.get_by_role("heading", name="Capped")).to_be_visible()
    expect(ui.locator(".wf-subs tbody tr")).to_have_count(2)
    screenshot(ui, "web-to-lead-form-page", full_page=True)
