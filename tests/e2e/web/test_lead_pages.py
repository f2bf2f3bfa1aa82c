"""The lead list, the new-lead form and the lead page as HTML (htmx fragments included)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from opportune import LeadFilters, Opportune, User
from opportune.api import create_app
from tests.conftest import PASSWORD
from tests.e2e.web.conftest import SignIn, csrf_of

HX = {"HX-Request": "true"}


def lead_count(core: Opportune, user: User) -> int:
    page = core.leads.list(user, LeadFilters(include_converted=True, with_total=True)).page
    assert page.total is not None
    return page.total


def test_a_post_without_the_csrf_token_is_refused_with_a_403_page_and_changes_nothing(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    response = client.post("/leads", data={"last_name": "Ng", "company": "Acme"})
    assert response.status_code == 403
    assert '<h1 id="error-title">Not allowed</h1>' in response.text
    assert "Missing or invalid CSRF token" in response.text
    assert lead_count(core, rep) == 0
    forged = client.post("/leads", data={"last_name": "Ng", "company": "Acme", "csrf_token": "x"})
    assert forged.status_code == 403
    assert lead_count(core, rep) == 0


def test_signing_in_needs_the_csrf_token_of_the_sign_in_page(client: TestClient, rep: User) -> None:
    response = client.post("/login", data={"email": rep.email, "password": "x"})
    assert response.status_code == 403


def test_htmx_requests_send_the_csrf_token_as_a_header(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    headers = {**HX, "X-CSRF-Token": token}
    response = client.post(f"/leads/{lead.id}/status", data={"status": "Working - Contacted"},
                           headers=headers)  # fmt: skip
    assert response.status_code == 200
    assert 'aria-current="step">Working - Contacted<' in response.text
    assert "<html" not in response.text
    assert client.post(f"/leads/{lead.id}/status", data={"status": "Open - Not Contacted"},
                       headers=HX).status_code == 403  # fmt: skip


def test_a_missing_lead_shows_the_404_page_in_the_layout(
    client: TestClient, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    for url in ("/leads/999", "/leads/99999999999999999999", "/leads/abc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text
        assert 'class="topbar"' in response.text and rep.name in response.text
    assert "Lead 999 does not exist" in client.get("/leads/999").text


def test_the_new_lead_form_shows_each_error_next_to_its_field_and_keeps_the_values(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    data = {"csrf_token": token, "last_name": "Hopper", "email": "not-an-email",
            "rating": "Hot", "do_not_call": "true"}  # fmt: skip
    response = client.post("/leads", data=data)
    assert response.status_code == 422
    html = response.text
    assert re.search(r'id="f-company" name="company" aria-invalid="true" '
                     r'aria-describedby="f-company-error"', html)  # fmt: skip
    assert re.search(r'id="f-company-error">.*Is required</p>', html)
    assert re.search(r'id="f-email" name="email" aria-invalid="true"', html)
    assert 'id="f-email-error"' in html
    assert 'aria-invalid="true"' not in html.split('id="f-last_name"')[1].split(">")[0]
    assert 'value="Hopper"' in html and 'value="not-an-email"' in html
    assert '<option value="Hot" selected>' in html
    assert re.search(r'id="f-do_not_call" name="do_not_call" value="true" checked', html)
    assert lead_count(core, rep) == 0


def test_a_new_lead_is_created_and_opened(
    client: TestClient, core: Opportune, rep: User, manager: User, sign_in: SignIn
) -> None:
    core.sharing.set_org_default(None, "lead", "read")  # the rep still sees the manager's lead
    token = sign_in(rep)
    data = {
        "csrf_token": token, "last_name": "Hopper", "company": "Navy", "owner_id": str(manager.id),
        "lead_source": "Web", "annual_revenue": "1,500,000", "has_opted_out_of_email": "true",
    }  # fmt: skip
    response = client.post("/leads", data=data)
    assert response.status_code == 303
    lead_id = int(response.headers["location"].rsplit("/", 1)[1])
    lead = core.leads.get(manager, lead_id, mark_read=False)
    assert (lead.owner_id, lead.is_unread_by_owner) == (manager.id, True)
    assert lead.has_opted_out_of_email and not lead.do_not_call
    assert str(lead.annual_revenue) == "1500000.00"
    page = client.get(response.headers["location"]).text
    assert "Lead Hopper at Navy created." in page


def test_opening_a_lead_as_its_owner_marks_it_read(
    client: TestClient, core: Opportune, admin: User, rep: User, sign_in: SignIn
) -> None:
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "Acme", "owner_id": rep.id})
    assert lead.is_unread_by_owner and lead.id is not None
    sign_in(rep)
    assert "is-unread" in client.get("/leads").text
    assert client.get(f"/leads/{lead.id}").status_code == 200
    assert not core.leads.get(admin, lead.id, mark_read=False).is_unread_by_owner
    assert "is-unread" not in client.get("/leads").text


def test_invalid_list_filters_show_a_clear_message_instead_of_an_error_page(
    client: TestClient, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    response = client.get("/leads?status=Nope&created_from=2024-13-01&sort=colour&cursor=zz")
    assert response.status_code == 422
    assert "Some filters are not valid" in response.text
    assert "&#39;2024-13-01&#39; is not a date (YYYY-MM-DD)" in response.text
    response = client.get("/leads?status=Nope&sort=colour&cursor=zz")
    assert "Status: Unknown status &#39;Nope&#39;" in response.text
    assert "Sort by one of" in response.text
    assert "Invalid or expired page cursor" in response.text


def test_the_list_answers_htmx_with_only_the_results_and_a_clean_url(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    core.leads.create(
        rep, {"last_name": "Lee", "company": "Globex", "status": "Working - Contacted"}
    )
    response = client.get("/leads?q=&status=Working+-+Contacted&owner=&sort=company", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="lead-results"')
    assert "Globex" in response.text and "Acme" not in response.text
    assert response.headers["HX-Push-Url"] == "/leads?status=Working+-+Contacted&sort=company"
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/leads?status=Working+-+Contacted",
                      headers={**HX, "HX-History-Restore-Request": "true"})  # fmt: skip
    assert full.text.lstrip().startswith("<!doctype html>")


def test_sorting_and_pages_keep_the_filters_in_their_links(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    core.leads.create_many(rep, [{"last_name": f"L{i:02}", "company": "Acme"} for i in range(30)])
    html = client.get("/leads?q=acme&sort=last_name").text
    assert 'aria-sort="ascending"' in html
    assert 'href="/leads?q=acme&amp;sort=-last_name"' in html
    assert html.count("<tr ") == 25
    next_url = re.search(r'rel="next" href="([^"]+)"', html)
    assert next_url and "q=acme" in next_url.group(1)
    second = client.get(next_url.group(1).replace("&amp;", "&")).text
    assert second.count("<tr ") == 5
    assert ">L25<" in second or "L25" in second
    assert 'rel="prev"' in second


def test_an_inline_edit_with_a_bad_value_answers_422_with_the_error_next_to_the_field(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    lead = core.leads.create(
        rep, {"last_name": "Ng", "company": "Acme", "email": "ng@acme.example"}
    )
    headers = {**HX, "X-CSRF-Token": token}
    response = client.post(
        f"/leads/{lead.id}/fields/email", data={"email": "nope"}, headers=headers
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'id="f-email-error"' in response.text
    assert 'value="nope"' in response.text
    assert lead.id is not None
    assert core.leads.get(rep, lead.id).email == "ng@acme.example"

    saved = client.post(f"/leads/{lead.id}/fields/last_name", data={"last_name": "Nguyen"},
                        headers=headers)  # fmt: skip
    assert saved.status_code == 200
    assert 'id="value-last_name">Nguyen<' in saved.text
    assert 'id="lead-header" class="card lead-header" hx-swap-oob="true"' in saved.text
    assert "<dt>Version</dt><dd>2</dd>" in saved.text
    assert core.leads.get(rep, lead.id).last_name == "Nguyen"


def test_an_unknown_field_cannot_be_edited_inline(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    assert client.get(f"/leads/{lead.id}/fields/version/edit").status_code == 404
    assert client.get(f"/leads/{lead.id}/fields/close_reason/edit").status_code == 409


def test_closing_a_lead_without_a_reason_is_refused_and_leaves_it_open(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    assert lead.id is not None
    headers = {**HX, "X-CSRF-Token": token}
    url = f"/leads/{lead.id}/status"
    refused = client.post(url, data={"status": "Closed - Not Converted"}, headers=headers)
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#status-panel"
    assert "Choose a reason to close this lead." in refused.text
    assert core.leads.get(rep, lead.id).status_id == lead.status_id

    data = {"status": "Closed - Not Converted", "close_reason": "No budget"}
    closed = client.post(url, data=data, headers=headers)
    assert closed.status_code == 200
    assert "<strong>Closed:</strong> No budget" in closed.text
    converted = client.post(url, data={"status": "Closed - Converted"}, headers=headers)
    assert converted.status_code == 422
    assert "can only be set by converting the lead" in converted.text


def test_a_converted_lead_is_read_only_on_its_page(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    with core.engine.begin() as conn:
        conn.execute(text("UPDATE leads SET is_converted = :yes WHERE id = :id"),
                     {"yes": True, "id": lead.id})  # fmt: skip
    html = client.get(f"/leads/{lead.id}").text
    assert "is read-only" in html
    assert "/edit" not in html
    assert 'title="Set by conversion"' in html
    assert client.get(f"/leads/{lead.id}/fields/company/edit").status_code == 409


def test_a_rep_cannot_delete_someone_elses_lead_but_can_delete_their_own(
    client: TestClient, core: Opportune, rep: User, manager: User, sign_in: SignIn
) -> None:
    core.sharing.set_org_default(None, "lead", "read_write")  # seen and editable, not deletable
    token = sign_in(rep)
    theirs = core.leads.create(manager, {"last_name": "Ng", "company": "Acme"})
    mine = core.leads.create(rep, {"last_name": "Lee", "company": "Globex"})
    refused = client.post(f"/leads/{theirs.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Only the lead&#39;s owner, a manager or an admin can delete it" in refused.text
    deleted = client.post(f"/leads/{mine.id}/delete", data={"csrf_token": token}, headers=HX)
    assert deleted.status_code == 204 and deleted.headers["HX-Redirect"] == "/leads"
    assert lead_count(core, rep) == 1


def test_pages_load_their_scripts_and_styles_from_this_server_only(
    client: TestClient, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    html = client.get("/leads").text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and 'version:"2.0.11"' in htmx.text
    assert client.get("/static/app.css").status_code == 200


def test_an_unexpected_failure_shows_the_500_page_without_details(
    core: Opportune, rep: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("database exploded: secret detail")

    with TestClient(create_app(core=core), raise_server_exceptions=False) as client:
        token = csrf_of(client.get("/login").text)
        data = {"email": rep.email, "password": PASSWORD, "csrf_token": token}
        client.post("/login", data=data, follow_redirects=False)
        monkeypatch.setattr(core.leads, "lookups", broken)
        response = client.get("/leads/new")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret detail" not in response.text
    assert "<!doctype html>" in response.text


def test_a_stale_or_conflicting_request_shows_the_409_page(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    response = client.get(f"/leads/{lead.id}/fields/close_reason/edit")
    assert response.status_code == 409
    assert "Conflict" in response.text
    assert "A close reason applies only to a lead closed without conversion" in response.text
