"""Setup > Web-to-lead forms: the list, the create/edit form and a form's page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn


def settings(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "name": "Contact us",
        "is_active": "true",
        "use_assignment_rule": "true",
        "owner_id": "",
        "default_lead_source": "Web",
        "default_campaign": "Spring",
        "default_status": "",
        "default_rating": "Warm",
        "allowed_redirect_hosts": "www.example.com\n*.example.org",
        "duplicate_action": "flag",
        "daily_cap": "100",
        "per_ip_per_hour": "5",
        "per_form_per_minute": "30",
        **changes,
    }


def test_an_admin_creates_a_form_and_gets_its_snippet(
    client: TestClient, sign_in: SignIn, core: Opportune, admin: User
) -> None:
    csrf = sign_in(admin)
    empty = client.get("/setup/web-forms")
    assert empty.status_code == 200 and "No web forms yet" in empty.text

    refused = client.post(
        "/setup/web-forms",
        data=settings(
            csrf, name="", daily_cap="0", allowed_redirect_hosts="bad host!", default_rating="Tepid"
        ),
    )
    assert refused.status_code == 422
    assert "4 settings need your attention" in refused.text
    assert 'id="wf-daily_cap" name="daily_cap" value="0"' in refused.text
    assert core.web_forms.list(admin) == []

    created = client.post("/setup/web-forms", data=settings(csrf))
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    form = core.web_forms.list(admin)[0].form
    assert form.defaults == {"lead_source": "Web", "campaign": "Spring", "rating": "Warm"}
    assert form.allowed_redirect_hosts == ["www.example.com", "*.example.org"]
    assert "Web form Contact us created" in page.text
    snippet = re.search(r'<textarea id="wf-snippet"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert snippet is not None
    assert "action=&#34;http://testserver/web-to-lead&#34;" in snippet.group(1)
    assert form.key in snippet.group(1)
    assert "https://www.example.com/thank-you" in snippet.group(1)
    assert 'data-copy-target="#wf-snippet"' in page.text

    chosen = client.get(
        f"/setup/web-forms/{form.id}",
        params={"fields": ["email", "city"], "return_url": "https://evil.example/"},
    )
    assert "Must be an http(s) address on one of the form" in chosen.text


def test_edit_submissions_queue_and_delete(
    client: TestClient, sign_in: SignIn, core: Opportune, admin: User
) -> None:
    csrf = sign_in(admin)
    form = core.web_forms.create(admin, {"name": "Capped", "daily_cap": 1})
    for last in ("Firstling", "Secondly"):
        core.web_forms.submit(
            form.key,
            {"last_name": last, "company": "Acme", "email": f"{last}@acme.example"},
            ip="192.0.2.9",
        )
    page = client.get(f"/setup/web-forms/{form.id}")
    assert "Process queue now" in page.text and "192.0.2.9" in page.text
    assert "data-queue-size>1<" in page.text
    queued_only = client.get(f"/setup/web-forms/{form.id}", params={"status": "queued"})
    assert "Secondly" in queued_only.text and "Firstling" not in queued_only.text

    edit = client.get(f"/setup/web-forms/{form.id}/edit")
    assert 'value="Capped"' in edit.text
    saved = client.post(
        f"/setup/web-forms/{form.id}", data=settings(csrf, name="Capped", daily_cap="2")
    )
    assert saved.status_code == 303
    assert core.web_forms.get(admin, form.id or 0).daily_cap == 2

    processed = client.post("/setup/web-forms/process-queue", data={"csrf_token": csrf})
    assert processed.status_code == 303
    listing = client.get("/setup/web-forms")
    assert "Processed 1 queued post(s)." in listing.text and "2 / 2" in listing.text

    deleted = client.post(f"/setup/web-forms/{form.id}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303 and core.web_forms.list(admin) == []


def test_only_admins_see_web_forms_and_posts_need_the_csrf_token(
    client: TestClient, sign_in: SignIn, core: Opportune, admin: User, rep: User
) -> None:
    sign_in(rep)
    assert client.get("/setup/web-forms").status_code == 403
    assert client.get("/setup/web-forms/new").status_code == 403
    client.cookies.clear()
    sign_in(admin)
    assert client.post("/setup/web-forms", data=settings("wrong")).status_code == 403
    assert core.web_forms.list(admin) == []
