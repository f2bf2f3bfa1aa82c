"""Sharing through the REST API: org-wide defaults, record shares, one's own access."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.conftest import add_user
from tests.e2e.api.helpers import assert_error

Headers = dict[str, str]


def test_anyone_reads_the_org_defaults_and_only_an_admin_changes_them(
    client: TestClient, as_admin: Headers, as_rep: Headers, core: Opportune
) -> None:
    defaults = client.get("/api/v1/sharing/defaults", headers=as_rep)
    assert defaults.json() == {"lead": "private", "account": "read", "contact": "read",
                               "opportunity": "private"}  # fmt: skip
    refused = client.put("/api/v1/sharing/defaults/lead", json={"access": "read"}, headers=as_rep)
    assert_error(refused, 403)
    changed = client.put(
        "/api/v1/sharing/defaults/lead", json={"access": "read_write"}, headers=as_admin
    )
    assert changed.json() == {"object_type": "lead", "access": "read_write"}
    assert core.sharing.org_defaults()["lead"].value == "read_write"


def test_a_bad_org_default_is_refused_naming_the_field(
    client: TestClient, as_admin: Headers, core: Opportune
) -> None:
    bad = client.put("/api/v1/sharing/defaults/lead", json={"access": "public"}, headers=as_admin)
    assert_error(bad, 422, field="access")
    bad = client.put("/api/v1/sharing/defaults/task", json={"access": "read"}, headers=as_admin)
    assert_error(bad, 422, field="object_type")
    assert core.sharing.org_defaults()["lead"].value == "private"


def test_an_owner_shares_a_lead_with_another_rep_who_then_reads_it_but_cannot_edit(
    client: TestClient, core: Opportune, rep: User, auth_for: Callable[[User], Headers]
) -> None:
    other = add_user(core, "Olga Other", "rep")
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    as_rep, as_other = auth_for(rep), auth_for(other)
    assert_error(client.get(f"/api/v1/leads/{lead.id}", headers=as_other), 404)
    assert_error(client.get(f"/api/v1/leads/{lead.id}/shares", headers=as_other), 404)
    assert_error(client.get(f"/api/v1/leads/{lead.id}/access", headers=as_other), 404)
    added = client.post(f"/api/v1/leads/{lead.id}/shares",
                        json={"user_id": other.id, "access": "read"}, headers=as_rep)  # fmt: skip
    assert added.status_code == 201, added.text
    share = added.json()
    assert (share["user_id"], share["access"], share["grantee"]) == (other.id, "read", other.name)
    assert client.get(f"/api/v1/leads/{lead.id}", headers=as_other).status_code == 200
    assert client.get(f"/api/v1/leads/{lead.id}/access", headers=as_other).json() == {
        "access": "read"
    }
    edit = client.patch(f"/api/v1/leads/{lead.id}", json={"city": "Oslo"}, headers=as_other)
    assert_error(edit, 403)
    listed = client.get(f"/api/v1/leads/{lead.id}/shares", headers=as_other).json()
    assert [s["id"] for s in listed] == [share["id"]]
    assert_error(client.delete(f"/api/v1/shares/{share['id']}", headers=as_other), 403)
    assert client.delete(f"/api/v1/shares/{share['id']}", headers=as_rep).status_code == 204
    assert_error(client.get(f"/api/v1/leads/{lead.id}", headers=as_other), 404)


def test_an_edit_share_with_a_queue_lets_its_members_change_an_opportunity(
    client: TestClient, core: Opportune, admin: User, rep: User, auth_for: Callable[[User], Headers]
) -> None:
    member = add_user(core, "Quinn Queue", "rep")
    queue = core.assignment.create_queue(admin, "Renewals")
    core.assignment.add_queue_member(admin, queue.id, member.id or 0)
    account = core.accounts.create(rep, {"name": "Acme"})
    deal = core.opportunities.create(
        rep, {"name": "Deal", "account_id": account.id, "close_date": "2027-01-31"}
    )
    url = f"/api/v1/opportunities/{deal.id}"
    assert_error(client.get(url, headers=auth_for(member)), 404)
    added = client.post(f"{url}/shares", json={"queue_id": queue.id, "access": "edit"},
                        headers=auth_for(rep))  # fmt: skip
    assert added.json()["grantee"] == "Queue: Renewals"
    changed = client.patch(url, json={"amount": "10"}, headers=auth_for(member))
    assert changed.status_code == 200, changed.text
    assert client.get(f"{url}/access", headers=auth_for(member)).json() == {"access": "edit"}


def test_a_bad_share_is_refused_naming_the_field_and_changes_nothing(
    client: TestClient, core: Opportune, rep: User, as_rep: Headers
) -> None:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    url = f"/api/v1/leads/{lead.id}/shares"
    assert_error(client.post(url, json={"access": "read"}, headers=as_rep), 422, field="user_id")
    bad = client.post(url, json={"user_id": rep.id, "access": "owner"}, headers=as_rep)
    assert_error(bad, 422, field="access")
    bad = client.post(url, json={"user_id": 99999, "access": "read"}, headers=as_rep)
    assert_error(bad, 422, field="user_id")
    bad = client.post(url, json={"queue_id": 99999, "access": "read"}, headers=as_rep)
    assert_error(bad, 422, field="queue_id")
    assert_error(client.post(url, json={"user_id": rep.id, "access": "read", "x": 1},
                             headers=as_rep), 422, field="x")  # fmt: skip
    assert client.get(url, headers=as_rep).json() == []
    assert_error(client.delete("/api/v1/shares/99999", headers=as_rep), 404)


def test_a_rep_who_can_only_read_a_record_cannot_share_it(
    client: TestClient, core: Opportune, rep: User, auth_for: Callable[[User], Headers]
) -> None:
    other = add_user(core, "Olga Other", "rep")
    account = core.accounts.create(rep, {"name": "Acme"})
    shared = client.post(
        f"/api/v1/accounts/{account.id}/shares",
        json={"user_id": other.id, "access": "edit"},
        headers=auth_for(other),
    )
    assert_error(shared, 403)  # fmt: skip
    assert client.get(f"/api/v1/accounts/{account.id}/access",
                      headers=auth_for(other)).json() == {"access": "read"}  # fmt: skip


def test_an_admin_sets_a_users_manager_and_reads_it_back(
    client: TestClient, as_admin: Headers, manager: User, rep: User
) -> None:
    url = f"/api/v1/users/{rep.id}"
    changed = client.patch(url, json={"manager_id": manager.id}, headers=as_admin)
    assert changed.json()["manager_id"] == manager.id
    assert client.get(url, headers=as_admin).json()["manager_id"] == manager.id
    loop = client.patch(f"/api/v1/users/{manager.id}", json={"manager_id": rep.id},
                        headers=as_admin)  # fmt: skip
    assert_error(loop, 422, field="manager_id")
    cleared = client.patch(url, json={"manager_id": None}, headers=as_admin)
    assert cleared.json()["manager_id"] is None


def test_a_manager_sees_and_shares_what_their_report_owns(
    client: TestClient, core: Opportune, admin: User, manager: User, rep: User,
    auth_for: Callable[[User], Headers],
) -> None:  # fmt: skip
    core.users.update(admin, rep.id or 0, {"manager_id": manager.id})
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    as_manager = auth_for(manager)
    assert client.get(f"/api/v1/leads/{lead.id}/access", headers=as_manager).json() == {
        "access": "edit"
    }
    shared = client.post(
        f"/api/v1/leads/{lead.id}/shares",
        json={"user_id": admin.id, "access": "read"},
        headers=as_manager,
    )
    assert shared.status_code == 201  # fmt: skip
