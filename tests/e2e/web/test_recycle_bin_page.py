"""The recycle bin page: entries, Restore and Purge buttons, CSRF, who sees what."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn


def deleted_lead(core: Opportune, user: User, name: str) -> int:
    lead = core.leads.create(user, {"last_name": name, "company": "Acme"})
    core.leads.delete(user, lead.id or 0)
    return lead.id or 0


def test_a_rep_sees_own_entries_restores_one_and_has_no_purge_button(
    client: TestClient, core: Opportune, rep: User, admin: User, sign_in: SignIn
) -> None:
    lead_id = deleted_lead(core, rep, "Quigley")
    deleted_lead(core, admin, "Adminson")
    token = sign_in(rep)
    page = client.get("/recycle-bin").text
    assert 'href="/recycle-bin" aria-current="page"' in page
    assert "Quigley" in page and "Adminson" not in page
    assert ">Purge</button>" not in page and "Empty the bin" not in page
    entry = core.recycle_bin.find(rep, "lead", lead_id)

    refused = client.post(f"/recycle-bin/{entry.id}/restore", data={})
    assert refused.status_code == 403  # no CSRF token
    restored = client.post(f"/recycle-bin/{entry.id}/restore", data={"csrf_token": token})
    assert (restored.status_code, restored.headers["location"]) == (303, f"/leads/{lead_id}")
    assert "Restored lead “Quigley”" in client.get(f"/leads/{lead_id}").text
    purge = client.post(f"/recycle-bin/{entry.id}/purge", data={"csrf_token": token})
    assert purge.status_code in (403, 404)


def test_an_admin_purges_one_entry_and_empties_the_bin(
    client: TestClient, core: Opportune, rep: User, admin: User, sign_in: SignIn
) -> None:
    first = deleted_lead(core, rep, "First")
    deleted_lead(core, rep, "Second")
    token = sign_in(admin)
    page = client.get("/recycle-bin").text
    assert "First" in page and "Second" in page and "Empty the bin" in page
    entry = core.recycle_bin.find(admin, "lead", first)
    purged = client.post(f"/recycle-bin/{entry.id}/purge", data={"csrf_token": token})
    assert purged.status_code == 303
    assert "First" not in client.get("/recycle-bin").text
    emptied = client.post("/recycle-bin/empty", data={"csrf_token": token})
    assert emptied.status_code == 303
    assert "The recycle bin is empty" in client.get("/recycle-bin").text
