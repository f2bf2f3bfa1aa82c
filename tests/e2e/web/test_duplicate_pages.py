"""Duplicates in the web UI: the panel, the notice after a save, the report, rules setup."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn, csrf_of

HX = {"HX-Request": "true"}
JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME", "phone": "555-010-0200"}
JON = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.",
       "phone": "+1 555 010 0200"}  # fmt: skip


def test_the_panel_lists_matches_with_a_merge_link_and_is_invisible_without(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User
) -> None:
    sign_in(rep)
    first = core.leads.create(rep, JOHN)
    lonely = core.leads.create(rep, {"last_name": "Jones", "company": "Initech"})
    empty = client.get(f"/duplicates/panel?lead_id={lonely.id}", headers=HX)
    assert empty.status_code == 200 and " hidden " in empty.text and "Merge" not in empty.text
    second = core.leads.create(rep, JON)
    panel = client.get(f"/duplicates/panel?lead_id={second.id}", headers=HX).text
    assert "Possible duplicates" in panel and f'href="/leads/{first.id}"' in panel
    assert f"/merge?object=lead&amp;ids={second.id},{first.id}" in panel
    assert "alike in first name, last name, phone, company" in panel
    assert client.get("/duplicates/panel", headers=HX).status_code in (400, 422)


def test_creating_a_lead_that_an_alert_rule_matches_shows_a_notice(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User
) -> None:
    token = sign_in(rep)
    core.leads.create(rep, JOHN)
    response = client.post("/leads", data={**JON, "csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Possible duplicate: lead John Smith" in page


def test_an_inline_edit_into_a_duplicate_toasts_and_reloads_the_panel(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User
) -> None:
    token = sign_in(rep)
    core.leads.create(rep, {**JOHN, "email": "john@acme.example"})
    other = core.leads.create(rep, {"first_name": "John", "last_name": "Smith", "company": "X"})
    headers = {**HX, "X-CSRF-Token": token}
    saved = client.post(f"/leads/{other.id}/fields/email", data={"email": "JOHN@acme.example"},
                        headers=headers)  # fmt: skip
    assert saved.status_code == 200
    events = json.loads(saved.headers["HX-Trigger"])
    assert events["opportune:duplicates"] is True
    assert "Possible duplicate: lead John Smith" in events["opportune:toast"]


def test_a_blocked_lead_shows_the_form_again_with_the_reason(
    client: TestClient, sign_in: SignIn, core: Opportune, admin: User
) -> None:
    token = sign_in(admin)
    rule = core.duplicates.rules(admin, "lead")[0]
    core.duplicates.update_rule(admin, rule.id, {"action_on_create": "block"})
    core.leads.create(admin, JOHN)
    response = client.post("/leads", data={**JON, "csrf_token": token})
    assert response.status_code == 409
    assert "looks like a duplicate of lead" in response.text and 'value="Smyth"' in response.text


def test_the_report_scans_lists_and_dismisses(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User
) -> None:
    token = sign_in(rep)
    empty = client.get("/duplicates")
    assert empty.status_code == 200 and "No open duplicates reported" in empty.text
    first, second = core.leads.create(rep, JOHN), core.leads.create(rep, JON)
    scanned = client.post("/duplicates/scan", data={"csrf_token": token, "status": ""})
    assert scanned.status_code == 303
    page = client.get("/duplicates").text
    assert "Scanned 2 lead(s): 1 new pair(s) reported." in page
    assert "Jon Smyth" in page and "John Smith" in page and "/merge?object=lead" in page
    report_id = core.duplicates.report(rep, _open()).items[0].id
    dismissed = client.post(f"/duplicates/reports/{report_id}/dismiss",
                            data={"csrf_token": csrf_of(page), "back": "object=lead"})  # fmt: skip
    assert dismissed.headers["location"] == "/duplicates?object=lead"
    assert "No open duplicates reported" in client.get("/duplicates?object=lead").text
    assert {first.id, second.id}  # both leads are still there, untouched
    assert core.leads.get(rep, first.id or 0).last_name == "Smith"


def _open():  # type: ignore[no-untyped-def]
    from opportune.services.duplicates import ReportFilters

    return ReportFilters()


def test_admins_edit_rules_and_bad_input_is_shown_by_field(
    client: TestClient, sign_in: SignIn, core: Opportune, admin: User
) -> None:
    token = sign_in(admin)
    listing = client.get("/setup/duplicate-rules").text
    assert "Standard lead duplicate rule" in listing and "Deactivate" in listing
    rule = core.duplicates.rules(admin, "lead")[0]
    form = client.get(f"/setup/duplicate-rules/{rule.id}").text
    assert 'name="alt-0-0-field"' in form and "Save rule" in form
    data = {
        "csrf_token": token, "name": "Email only", "is_active": "on",
        "compare_with": ["lead", "contact"], "action_on_create": "block",
        "action_on_edit": "report", "sort_order": "1", "alternative_count": "2",
        "alt-0-count": "2", "alt-0-0-field": "email", "alt-0-0-method": "exact",
        "alt-0-0-threshold": "100", "alt-0-1-field": "", "alt-1-count": "1",
        "alt-1-0-field": "last_name", "alt-1-0-method": "fuzzy", "alt-1-0-threshold": "150",
    }  # fmt: skip
    refused = client.post(f"/setup/duplicate-rules/{rule.id}", data=data)
    assert refused.status_code == 422 and "alternatives[1][0].threshold" in refused.text
    data["alt-1-0-threshold"] = "90"
    saved = client.post(f"/setup/duplicate-rules/{rule.id}", data=data)
    assert saved.status_code == 303
    changed = core.duplicates.rule(admin, rule.id)
    assert (changed.name, changed.action_on_create, changed.action_on_edit) == (
        "Email only", "block", "report")  # fmt: skip
    fields = [[c.field for c in alt] for alt in changed.rule.alternatives]
    assert fields == [["email"], ["last_name"]]
    client.post(f"/setup/duplicate-rules/{rule.id}/active",
                data={"csrf_token": token, "is_active": "false"})  # fmt: skip
    assert core.duplicates.rule(admin, rule.id).is_active is False
    new = client.get("/setup/duplicate-rules/new?object=account").text
    assert "New account rule" in new and 'value="billing_city"' in new


def test_reps_cannot_open_duplicate_rules_setup(
    client: TestClient, sign_in: SignIn, rep: User
) -> None:
    sign_in(rep)
    assert client.get("/setup/duplicate-rules").status_code == 403


def test_the_panel_and_the_merge_banner_name_exactly_one_record(
    client: TestClient, sign_in: SignIn, rep: User
) -> None:
    sign_in(rep)
    for path in ("/duplicates/panel", "/merges/banner"):
        for query in ("", "?lead_id=1&contact_id=2"):
            response = client.get(path + query, headers=HX)
            assert response.status_code == 422, (path, query)
            assert "Name one lead, contact or account" in response.text
