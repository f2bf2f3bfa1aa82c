"""The merge page, the merged record's banner and undo, through HTML routes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def test_the_page_compares_merges_and_the_banner_undoes(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    a = lead(core, rep, "Stone", city="Rome")
    b = lead(core, rep, "Stone", city="Oslo", email="stone@example.com")
    page = client.get(f"/merge?object=lead&ids={a},{b}")
    assert page.status_code == 200
    assert f'name="take:city" value="{a}" checked' in page.text
    assert f'name="take:email" value="{b}" checked' in page.text
    assert f'name="master" value="{a}" checked' in page.text

    form = {
        "csrf_token": token,
        "object": "lead",
        "ids": f"{a},{b}",
        "master": str(a),
        "take:city": str(b),
        f"version:{b}": "1",
    }
    done = client.post("/merge", data=form)
    assert done.status_code == 303 and done.headers["location"] == f"/leads/{a}"
    assert "Merged lead #" in client.get(f"/leads/{a}").text
    master = core.leads.get(rep, a, mark_read=False)
    assert (master.city, master.email) == ("Oslo", "stone@example.com")

    assert client.get(f"/merges/banner?lead_id={a}").text.strip() == "<div hidden></div>"
    banner = client.get(f"/merges/banner?lead_id={b}").text
    assert "This lead was merged into" in banner and f'href="/leads/{a}"' in banner
    merge_id = core.merges.merged_into(rep, "lead", b).id  # type: ignore[union-attr]
    undone = client.post(
        f"/merges/{merge_id}/undo", data={"csrf_token": token, "back": f"/leads/{b}"}
    )
    assert undone.status_code == 303 and undone.headers["location"] == f"/leads/{b}"
    assert core.leads.get(rep, b).merged_into_id is None
    assert core.leads.get(rep, a, mark_read=False).city == "Rome"


def test_errors_show_on_the_page_and_change_nothing(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    a, b = lead(core, rep, "Tate"), lead(core, rep, "Tate")
    stale = {
        "csrf_token": token,
        "object": "lead",
        "ids": f"{a},{b}",
        "master": str(a),
        f"version:{b}": "9",
    }
    refused = client.post("/merge", data=stale)
    assert refused.status_code == 409 and "was changed by someone else" in refused.text
    assert core.leads.get(rep, b).merged_into_id is None
    assert client.get(f"/merge?object=lead&ids={a}").status_code == 422
    assert client.get(f"/merge?object=lead&ids={a},99999").status_code == 404
    assert client.post("/merge", data={**stale, "csrf_token": "nope"}).status_code == 403


def test_a_blocked_undo_offers_to_force_it(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    acme = core.accounts.create(rep, {"name": "Acme"})
    other = core.accounts.create(rep, {"name": "Acme Inc"})
    merge = core.merges.merge(rep, "account", acme.id or 0, [acme.id or 0, other.id or 0]).merge
    assert "Acme" in client.get(f"/merges/banner?account_id={other.id}").text
    core.accounts.update(rep, acme.id or 0, {"phone": "555"})
    blocked = client.post(f"/merges/{merge.id}/undo", data={"csrf_token": token})
    assert blocked.status_code == 409 and "Undo anyway" in blocked.text
    forced = client.post(f"/merges/{merge.id}/undo", data={"csrf_token": token, "force": "1"})
    assert forced.status_code == 303 and forced.headers["location"] == f"/accounts/{acme.id}"
    assert core.accounts.get(rep, other.id or 0).merged_into_id is None


def test_a_merged_lead_page_offers_no_edits_and_refuses_them(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    a, b = lead(core, rep, "Vale"), lead(core, rep, "Vale")
    core.merges.merge(rep, "lead", a, [a, b])
    page = client.get(f"/leads/{b}").text
    assert f'hx-get="/leads/{b}/convert"' not in page
    assert f'hx-get="/leads/{a}/convert"' in client.get(f"/leads/{a}").text
    refused = client.get(f"/leads/{b}/fields/title/edit")
    assert refused.status_code == 409
    assert f"Lead {b} was merged into lead {a}; edit lead {a} or undo the merge" in refused.text
