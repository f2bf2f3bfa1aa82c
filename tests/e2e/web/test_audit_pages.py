"""The audit log page: administrators filter it; the sign-in itself is logged with the IP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn


def test_an_admin_reads_the_log_filtered_and_escaped(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    core.picklists.save_value(admin, "lead_sources", {"label": "<script>x()</script>"})
    sign_in(admin)
    assert "/setup/audit" in client.get("/setup").text
    page = client.get("/setup/audit", params={"action": "setting.*", "user": admin.email})
    assert page.status_code == 200
    assert page.text.count("data-audit-entry=") == 1
    assert "<script>x()</script>" not in page.text
    assert "&lt;script&gt;x()&lt;/script&gt;" in page.text
    signed_in = client.get("/setup/audit", params={"action": "login.succeeded"}).text
    assert "login.succeeded" in signed_in and "testclient" in signed_in


def test_load_more_returns_the_next_rows_for_htmx(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    for n in range(core.settings.page_size_default + 1):
        core.picklists.save_value(admin, "lead_sources", {"label": f"Source {n}"})
    sign_in(admin)
    first = client.get("/setup/audit", params={"action": "setting.changed"}).text
    assert first.count("data-audit-entry=") == core.settings.page_size_default
    start = first.index('hx-get="') + len('hx-get="')
    more = first[start : first.index('"', start)].replace("&amp;", "&")
    rows = client.get(more, headers={"HX-Request": "true"})
    assert rows.status_code == 200
    assert rows.text.count("data-audit-entry=") == 1
    assert "<html" not in rows.text and "Load more" not in rows.text


def test_bad_filters_are_named_together(client: TestClient, admin: User, sign_in: SignIn) -> None:
    sign_in(admin)
    page = client.get("/setup/audit", params={"ip": "nope", "since": "soon", "object_id": "x"})
    assert page.status_code == 422
    for message in ("ip: Not an IP address", "since: Use a day", "object_id: Must be a record id"):
        assert message in page.text


def test_a_rep_is_refused(client: TestClient, admin: User, rep: User, sign_in: SignIn) -> None:
    sign_in(rep)
    assert client.get("/setup/audit").status_code == 403
