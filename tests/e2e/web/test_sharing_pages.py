"""Sharing in the web UI: the admin's sharing settings and users pages, and the Sharing
panel on record pages (listing, adding and removing shares, only for who may share)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.conftest import PASSWORD, add_user
from tests.e2e.web.conftest import SignIn

HX = {"HX-Request": "true"}


def test_an_admin_changes_the_org_wide_default_for_leads(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    page = client.get("/setup/sharing")
    assert page.status_code == 200
    assert 'name="lead"' in page.text and "Public read/write" in page.text
    assert "/setup/sharing" in client.get("/setup").text
    form = {"csrf_token": csrf, "lead": "read", "account": "read", "contact": "read",
            "opportunity": "private"}  # fmt: skip
    saved = client.post("/setup/sharing", data=form)
    assert saved.status_code == 303
    assert core.sharing.org_defaults()["lead"].value == "read"
    assert "Sharing settings saved." in client.get("/setup/sharing").text


def test_a_bad_org_default_names_the_object_and_changes_nothing(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    form = {"csrf_token": csrf, "lead": "read_write", "account": "everyone", "contact": "read",
            "opportunity": "private"}  # fmt: skip
    refused = client.post("/setup/sharing", data=form)
    assert refused.status_code == 422
    assert "Must be one of: private, read, read_write" in refused.text
    assert core.sharing.org_defaults()["lead"].value == "private"


def test_a_rep_cannot_open_or_post_the_sharing_settings(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    csrf = sign_in(rep)
    assert client.get("/setup/sharing").status_code == 403
    assert client.get("/setup/users").status_code == 403
    form = {"csrf_token": csrf, "lead": "read_write", "account": "read", "contact": "read",
            "opportunity": "private"}  # fmt: skip
    assert client.post("/setup/sharing", data=form).status_code == 403
    assert core.sharing.org_defaults()["lead"].value == "private"


def test_the_settings_form_without_a_csrf_token_is_refused(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    sign_in(admin)
    form = {"lead": "read_write", "account": "read", "contact": "read", "opportunity": "private"}
    assert client.post("/setup/sharing", data=form).status_code == 403
    assert core.sharing.org_defaults()["lead"].value == "private"


def test_an_admin_sets_and_clears_a_users_manager(
    client: TestClient, core: Opportune, admin: User, manager: User, rep: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    page = client.get("/setup/users")
    assert f'id="manager-{rep.id}"' in page.text
    saved = client.post(f"/setup/users/{rep.id}/manager",
                        data={"csrf_token": csrf, "manager_id": str(manager.id)})  # fmt: skip
    assert saved.status_code == 303
    assert core.users.get(rep.id or 0).manager_id == manager.id
    assert f'<option value="{manager.id}" selected>' in client.get("/setup/users").text
    loop = client.post(f"/setup/users/{manager.id}/manager",
                       data={"csrf_token": csrf, "manager_id": str(rep.id)})  # fmt: skip
    assert loop.status_code == 422
    assert "cannot report to themselves" in loop.text
    client.post(f"/setup/users/{rep.id}/manager", data={"csrf_token": csrf, "manager_id": ""})
    assert core.users.get(rep.id or 0).manager_id is None


def test_the_owner_shares_a_lead_from_its_panel_and_the_other_rep_then_sees_it(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    other = core.users.create(None, {"name": "Olga <b>Other</b>", "email": "olga@example.com",
                                     "role": "rep", "password": PASSWORD})  # fmt: skip
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    csrf = sign_in(rep)
    page = client.get(f"/leads/{lead.id}")
    assert f"/sharing/panel?object_type=lead&amp;record_id={lead.id}" in page.text
    url = f"/sharing/panel?object_type=lead&record_id={lead.id}"
    panel = client.get(url, headers=HX)
    assert "Not shared with anyone" in panel.text
    assert "Olga &lt;b&gt;Other&lt;/b&gt;" in panel.text and "<b>Other" not in panel.text
    added = client.post(url, data={"grantee": f"user:{other.id}", "access": "read"},
                        headers={**HX, "X-CSRF-Token": csrf})  # fmt: skip
    assert added.status_code == 200 and "Read only" in added.text
    [share] = core.sharing.shares(rep, "lead", lead.id or 0)
    assert share.user_id == other.id
    client.cookies.clear()
    sign_in(other)
    assert client.get(f"/leads/{lead.id}").status_code == 200
    assert 'id="sharing-panel" hidden' in client.get(url, headers=HX).text


def test_a_share_is_removed_from_the_panel_and_the_record_is_hidden_again(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    other = add_user(core, "Olga Other", "rep")
    account = core.accounts.create(rep, {"name": "Acme"})
    core.sharing.set_org_default(None, "account", "private")
    share = core.sharing.share(rep, "account", account.id or 0, access="edit", user_id=other.id)
    csrf = sign_in(rep)
    removed = client.post(
        f"/sharing/shares/{share.id}/delete?object_type=account&record_id={account.id}",
        data={"csrf_token": csrf},
    )
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/accounts/{account.id}"
    assert core.sharing.shares(rep, "account", account.id or 0) == []
    client.cookies.clear()
    sign_in(other)
    assert client.get(f"/accounts/{account.id}").status_code == 404


def test_a_share_without_a_grantee_is_refused_naming_the_field(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    deal_account = core.accounts.create(rep, {"name": "Acme"})
    deal = core.opportunities.create(
        rep, {"name": "Deal", "account_id": deal_account.id, "close_date": "2027-01-31"}
    )
    csrf = sign_in(rep)
    url = f"/sharing/panel?object_type=opportunity&record_id={deal.id}"
    assert "/sharing/panel?object_type=opportunity" in client.get(f"/opportunities/{deal.id}").text
    refused = client.post(url, data={"grantee": "", "access": "read"},
                          headers={**HX, "X-CSRF-Token": csrf})  # fmt: skip
    assert refused.status_code == 422 and "Choose a user or a queue" in refused.text
    assert core.sharing.shares(rep, "opportunity", deal.id or 0) == []


def test_a_rep_cannot_share_another_reps_private_lead_through_the_panel(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    other = add_user(core, "Olga Other", "rep")
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme"})
    csrf = sign_in(other)
    url = f"/sharing/panel?object_type=lead&record_id={lead.id}"
    posted = client.post(url, data={"grantee": f"user:{other.id}", "access": "edit"},
                         headers={**HX, "X-CSRF-Token": csrf})  # fmt: skip
    assert posted.status_code == 404
    assert core.sharing.shares(rep, "lead", lead.id or 0) == []
