"""Script injection stored in every text field renders as text on every page that shows
it (Jinja2 autoescaping, htmx fragments included), and forms refuse what they cannot read:
invalid UTF-8 and oversized posts get an error page, not a 500 or mangled data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.api import create_app
from opportune.services.filters import LeadFilters
from tests.e2e.web.conftest import SignIn

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
# What must never reach a page unescaped, and how each string reads once escaped.
RAW = ("<script>alert(", "<img src=x onerror", "alert(2)>")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;")
HX = {"HX-Request": "true"}
# Escaping happens in the templates, whatever the database: one engine tests it.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass(frozen=True)
class Hostile:
    """One record of each kind whose text fields hold script."""

    lead: int
    account: int
    contact: int
    opportunity: int


def xss(field: str) -> str:
    """A script string for ``field``, alternating the two kinds of attack."""
    return (SCRIPT if len(field) % 2 else IMG) + field[:2]


def fields(*names: str) -> dict[str, str]:
    return {name: xss(name) for name in names}


@pytest.fixture
def hostile(core: Opportune, rep: User) -> Hostile:
    lead = core.leads.create(rep, fields(
        "first_name", "last_name", "company", "title", "website", "street", "city",
        "state", "country", "campaign", "description", "phone",
    ))  # fmt: skip
    account = core.accounts.create(rep, fields(
        "name", "website", "phone", "billing_street", "billing_city", "shipping_city",
        "description",
    ))  # fmt: skip
    contact = core.contacts.create(rep, {"account_id": account.id, **fields(
        "first_name", "last_name", "title", "mailing_street", "mailing_city", "description",
    )})  # fmt: skip
    deal = {"account_id": account.id, "close_date": "2030-06-30"}
    opportunity = core.opportunities.create(rep, {**deal, **fields("name", "next_step")})
    core.leads.update(rep, lead.id, {"title": IMG + "changed"})  # the timeline shows both
    for kind, record in (("lead_id", lead.id), ("opportunity_id", opportunity.id)):
        core.activities.create(rep, {"kind": "task", "subject": SCRIPT, kind: record})
    ids = (lead.id, account.id, contact.id, opportunity.id)
    assert all(isinstance(i, int) for i in ids)
    return Hostile(*ids)  # type: ignore[arg-type]


def assert_escaped(html: str, *, shown: bool = True) -> None:
    """No hostile markup in ``html``; with ``shown``, the text is there, escaped."""
    for raw in RAW:
        assert raw not in html, html[max(0, html.find(raw) - 200) : html.find(raw) + 200]
    if shown:
        assert any(escaped in html for escaped in ESCAPED)


def test_every_page_showing_hostile_text_escapes_it(
    client: TestClient, sign_in: SignIn, rep: User, hostile: Hostile
) -> None:
    sign_in(rep)
    pages = [
        "/leads", f"/leads/{hostile.lead}", f"/leads/{hostile.lead}/timeline",
        "/accounts", f"/accounts/{hostile.account}",
        "/contacts", f"/contacts/{hostile.contact}",
        "/opportunities", f"/opportunities/{hostile.opportunity}", "/pipeline", "/tasks",
    ]  # fmt: skip
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, (page, response.text[:300])
        assert_escaped(response.text)
        fragment = client.get(page, headers=HX)
        assert fragment.status_code == 200, page
        assert_escaped(fragment.text, shown=False)


def test_hostile_search_text_is_echoed_escaped(
    client: TestClient, sign_in: SignIn, rep: User, hostile: Hostile
) -> None:
    sign_in(rep)
    for page in ("/leads", "/accounts", "/contacts", "/opportunities"):
        for query in (SCRIPT, IMG, "'; DROP TABLE leads; --"):
            for headers in ({}, HX):
                response = client.get(page, params={"q": query}, headers=headers)
                assert response.status_code == 200, (page, query, response.text[:300])
                assert_escaped(response.text, shown=False)
    assert client.get("/leads").status_code == 200  # the table is still there


def test_a_form_post_that_is_not_utf8_is_refused_with_an_error_page(
    client: TestClient, sign_in: SignIn, rep: User, core: Opportune
) -> None:
    token = sign_in(rep)
    body = f"csrf_token={token}&last_name=M%FCller&company=Acme".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/leads", content=body, headers=headers)
    assert response.status_code == 422, response.text[:300]
    assert "not valid UTF-8" in response.text
    assert core.leads.list(rep, LeadFilters()).page.items == []


def test_an_oversized_form_post_is_a_413_page(core: Opportune) -> None:
    core.settings.request_max_bytes = 64 * 1024
    with TestClient(create_app(core=core), follow_redirects=False) as small:
        response = small.post("/login", data={"email": "x" * 70_000, "password": "p"})
    assert response.status_code == 413
    assert "larger than the 64 KB" in response.text
