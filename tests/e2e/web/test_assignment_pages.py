"""Assignment setup pages, the queue filter, Take and Re-run assignment as HTML."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

from opportune import LeadFilters, Opportune, User
from tests.e2e.web.conftest import SignIn


def _flash(client: TestClient, url: str) -> str:
    return client.get(url).text


def test_setup_pages_are_for_admins_only(client: TestClient, rep: User, sign_in: SignIn) -> None:
    sign_in(rep)
    for url in ("/setup/assignment", "/setup/queues", "/setup/round-robin"):
        assert client.get(url).status_code == 403


def test_admin_builds_a_rule_in_the_editor_and_activates_it(
    client: TestClient, core: Opportune, admin: User, rep: User, manager: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    assert "No assignment rules yet" in client.get("/setup/assignment").text
    editor = client.get("/setup/assignment/new")
    assert editor.status_code == 200 and "Add condition" in editor.text
    form = {
        "csrf_token": csrf, "name": "Regions", "default": f"user:{manager.id}",
        "e0_order": "2", "e0_c0_field": "lead_source", "e0_c0_operator": "equals",
        "e0_c0_value": "Web", "e0_assignee": f"user:{manager.id}",
        "e1_order": "1", "e1_c0_field": "country", "e1_c0_operator": "in",
        "e1_c0_value": "US, Canada", "e1_c1_field": "", "e1_assignee": f"user:{rep.id}",
        "e2_order": "3", "e2_c0_field": "", "e2_assignee": "",
    }  # fmt: skip
    saved = client.post("/setup/assignment/new", data=form)
    assert saved.status_code == 303
    rule = core.assignment.rules(admin)[0]
    assert [e.criteria[0].field for e in rule.entries] == ["country", "lead_source"]
    assert rule.entries[0].criteria[0].value == ["US", "Canada"]
    listing = client.get("/setup/assignment").text
    assert "Saved the assignment rule" in listing and "Rae Rep" in listing
    assert rule.id is not None
    activated = client.post(f"/setup/assignment/{rule.id}/activate", data={"csrf_token": csrf})
    assert activated.status_code == 303
    assert core.assignment.rule(admin, rule.id).is_active
    lead = core.leads.create(admin, {"last_name": "A", "company": "A", "country": "CA"})
    assert lead.owner_id == rep.id


def test_editor_shows_each_problem_and_keeps_the_input(
    client: TestClient, core: Opportune, admin: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    form = {
        "csrf_token": csrf, "name": "Broken", "e0_c0_field": "annual_revenue",
        "e0_c0_operator": "contains", "e0_c0_value": "big", "e0_assignee": "",
    }  # fmt: skip
    response = client.post("/setup/assignment/new", data=form)
    assert response.status_code == 422
    assert "Entry 1, condition 1, operator" in response.text
    assert 'value="Broken"' in response.text and 'value="big"' in response.text
    assert core.assignment.rules(admin) == []


def test_queue_page_take_button_and_queue_filter(
    client: TestClient, core: Opportune, admin: User, rep: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    assert (
        client.post("/setup/queues", data={"csrf_token": csrf, "name": "Web leads"}).status_code
        == 303
    )
    queue = core.assignment.queues(admin)[0]
    client.post(
        f"/setup/queues/{queue.id}/members", data={"csrf_token": csrf, "user_id": str(rep.id)}
    )
    page = client.get("/setup/queues").text
    assert "Rae Rep is now a member of" in page and "Web leads" in page
    rule = core.assignment.create_rule(admin, {"name": "Q", "default_queue_id": queue.id})
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    lead = core.leads.create(admin, {"last_name": "Queued", "company": "Q"})
    assert lead.id is not None
    assert client.get(f"/leads/{lead.id}/take").text == ""  # the admin is not a member
    client.cookies.clear()
    csrf = sign_in(rep)
    listed = client.get("/leads", params={"queue": "mine"}).text
    assert "Queue: Web leads" in listed and "Queued" in listed
    assert "Re-run assignment" not in listed
    assert "Take" in client.get(f"/leads/{lead.id}/take").text
    taken = client.post(f"/leads/{lead.id}/take", data={"csrf_token": csrf})
    assert taken.status_code == 303
    assert "You now own Queued" in client.get(f"/leads/{lead.id}").text
    assert core.leads.get(admin, lead.id, mark_read=False).owner_id == rep.id
    again = client.post(f"/leads/{lead.id}/take", data={"csrf_token": csrf})
    assert again.status_code == 303
    assert "not in a queue" in client.get(f"/leads/{lead.id}").text


def test_round_robin_page_and_rerun_from_the_list(
    client: TestClient, core: Opportune, admin: User, rep: User, manager: User, sign_in: SignIn
) -> None:
    csrf = sign_in(admin)
    client.post("/setup/round-robin", data={"csrf_token": csrf, "name": "Inbound"})
    group = core.assignment.groups(admin)[0]
    members = f"/setup/round-robin/{group.id}/members"
    for user in (rep, manager):
        client.post(members, data={"csrf_token": csrf, "user_id": str(user.id), "weight": "1"})
    bad = client.post(members, data={"csrf_token": csrf, "user_id": str(rep.id), "weight": "0"})
    assert bad.status_code == 303
    assert "Not saved: weight" in client.get("/setup/round-robin").text
    for i in range(4):
        core.leads.create(admin, {"last_name": f"L{i}", "company": "C", "rating": "Hot"})
    core.leads.create(admin, {"last_name": "Cold", "company": "C", "rating": "Cold"})
    entry = {"criteria": [], "assignee_type": "round_robin", "group_id": group.id}
    rule = core.assignment.create_rule(admin, {"name": "RR", "entries": [entry]})
    assert rule.id is not None
    core.assignment.activate(admin, rule.id)
    assert "Re-run assignment" in client.get("/leads").text
    done = client.post("/leads/reassign", data={"csrf_token": csrf, "rating": "Hot"})
    assert done.status_code == 303 and done.headers["location"] == "/leads?rating=Hot"
    assert "4 reassigned" in client.get("/leads?rating=Hot").text
    owners = Counter(x.owner_id for x in core.leads.list(admin, LeadFilters()).page.items)
    assert owners == {rep.id: 2, manager.id: 2, admin.id: 1}
    page = client.get("/setup/round-robin").text
    assert "50%" in page and "2 leads assigned" not in page and "4 leads assigned" in page
