"""The activity panel of record pages and the "My tasks" page, as HTML over htmx."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.domain.activities import Activity
from tests.e2e.web.conftest import SignIn

HX = {"HX-Request": "true"}
PANEL = "/activities/panel"


@dataclass(frozen=True, slots=True)
class Records:
    """One record of each kind an activity relates to, all the rep's."""

    lead_id: int
    contact_id: int
    account_id: int
    opportunity_id: int


@pytest.fixture
def records(core: Opportune, rep: User) -> Records:
    """A lead, an account, a contact of it and an opportunity on it."""
    lead = core.leads.create(rep, {"first_name": "Olivia", "last_name": "Ng", "company": "Acme"})
    account = core.accounts.create(rep, {"name": "Acme Corp"})
    contact = core.contacts.create(
        rep, {"first_name": "Omar", "last_name": "Ode", "account_id": account.id}
    )
    opportunity = core.opportunities.create(
        rep, {"name": "Acme renewal", "account_id": account.id, "close_date": "2026-12-31"}
    )
    ids = (lead.id, contact.id, account.id, opportunity.id)
    assert all(isinstance(i, int) for i in ids)
    return Records(*ids)  # type: ignore[arg-type]


def today() -> date:
    return datetime.now(UTC).date()


def task(core: Opportune, user: User, subject: str, **data: object) -> Activity:
    return core.activities.create(user, {"kind": "task", "subject": subject, **data})


def stored(core: Opportune, user: User, **record: int) -> list[Activity]:
    return list(core.activities.for_record(user, **record, limit=500).items)


def htmx(token: str) -> dict[str, str]:
    return {**HX, "X-CSRF-Token": token}


def toast(response: Any) -> str:
    message: str = json.loads(response.headers["HX-Trigger"])["opportune:toast"]
    return message


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces squeezed, to assert on what people read."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def item(html: str, activity_id: int | None) -> str:
    """The panel's list item of one activity."""
    found = re.search(
        rf'<li class="activity-item[^"]*" id="activity-{activity_id}">.*?</li>', html, re.S
    )
    assert found, f"activity {activity_id} is not listed"
    return found.group(0)


# --- the panel ----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["lead_id", "contact_id", "account_id", "opportunity_id"])
def test_the_panel_of_each_kind_of_record_shows_open_tasks_then_history(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn, field: str
) -> None:
    sign_in(rep)
    ref = {field: getattr(records, field)}
    done = task(core, rep, "Sent the brochure", **ref)
    core.activities.complete(rep, done.id or 0)
    core.activities.create(
        rep,
        {
            "kind": "call",
            "subject": "Intro call",
            "outcome": "Keen",
            "call_duration_minutes": 25,
            **ref,
        },
    )
    core.activities.create(rep, {"kind": "note", "title": "Budget", "body": "Q1 money", **ref})
    late = task(
        core, rep, "Send the quote", due_date=today() - timedelta(days=2), priority="High", **ref
    )
    task(core, rep, "Book a demo", due_date=today() + timedelta(days=3), **ref)
    other = core.leads.create(rep, {"last_name": "Elsewhere", "company": "Other Co"})
    task(core, rep, "Somewhere else", lead_id=other.id)

    response = client.get(PANEL, params=ref, headers=HX)
    assert response.status_code == 200, response.text
    html = response.text
    assert html.lstrip().startswith('<section id="activity-panel"')
    assert "<html" not in html
    readable = text_of(html)
    order = [
        "Open tasks",
        "Send the quote",
        "Book a demo",
        "Activity history",
        "Budget",
        "Intro call",
        "Sent the brochure",
    ]
    positions = [readable.index(words) for words in order]
    assert positions == sorted(positions), readable
    assert "Somewhere else" not in readable
    overdue = text_of(item(html, late.id))
    assert f"Overdue · Due {today() - timedelta(days=2):%b} " in overdue
    assert "High priority" in overdue
    assert "Rae Rep" in overdue
    assert 'class="activity-item activity-task is-open is-overdue"' in item(html, late.id)
    assert "Complete Send the quote" in html
    assert "25 min" in readable and "Keen" in readable and "Q1 money" in readable
    assert 'name="activity-form" value="task" id="act-tab-task" checked' in html


def test_the_panel_needs_exactly_one_existing_record(
    client: TestClient, rep: User, records: Records, sign_in: SignIn
) -> None:
    sign_in(rep)
    for param, kind in (
        ("lead_id", "Lead"),
        ("contact_id", "Contact"),
        ("account_id", "Account"),
        ("opportunity_id", "Opportunity"),
    ):
        missing = client.get(PANEL, params={param: 99999}, headers=HX)
        assert missing.status_code == 404, param
        assert f"{kind} 99999 does not exist" in missing.text
    assert client.get(PANEL, headers=HX).status_code == 422
    both = client.get(
        PANEL, params={"lead_id": records.lead_id, "account_id": records.account_id}, headers=HX
    )
    assert both.status_code == 422
    assert "Give exactly one of" in both.text
    assert client.get(PANEL, params={"lead_id": "abc"}, headers=HX).status_code == 422
    assert client.get(PANEL, params={"lead_id": 2**40}, headers=HX).status_code == 422


def test_the_panel_needs_a_signed_in_user(client: TestClient, records: Records) -> None:
    response = client.get(PANEL, params={"lead_id": records.lead_id}, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login")


def test_adding_a_task_in_the_panel_saves_it_and_shows_it_with_a_toast(
    client: TestClient,
    core: Opportune,
    rep: User,
    manager: User,
    records: Records,
    sign_in: SignIn,
) -> None:
    token = sign_in(rep)
    due = today() + timedelta(days=5)
    data = {
        "kind": "task",
        "subject": "Send the contract",
        "due_date": due.isoformat(),
        "priority": "High",
        "owner_id": str(manager.id),
        "description": "Both copies",
    }
    response = client.post(
        "/activities", params={"account_id": records.account_id}, data=data, headers=htmx(token)
    )
    assert response.status_code == 200, response.text
    assert toast(response) == "Task added"
    assert 'id="activity-panel"' in response.text
    (saved,) = stored(core, rep, account_id=records.account_id)
    assert (saved.subject, saved.due_date, saved.priority, saved.owner_id, saved.description) == (
        "Send the contract",
        due,
        "High",
        manager.id,
        "Both copies",
    )
    assert (saved.status, saved.account_id, saved.lead_id) == ("Open", records.account_id, None)
    shown = text_of(item(response.text, saved.id))
    assert "Send the contract" in shown and "Max Manager" in shown and "High priority" in shown


def test_a_task_without_an_owner_chosen_belongs_to_the_one_adding_it(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    response = client.post(
        "/activities",
        params={"lead_id": records.lead_id},
        data={"kind": "task", "subject": "Call back", "priority": "Normal"},
        headers=htmx(token),
    )
    assert response.status_code == 200, response.text
    (saved,) = stored(core, rep, lead_id=records.lead_id)
    assert (saved.owner_id, saved.due_date, saved.lead_id) == (rep.id, None, records.lead_id)
    assert "No due date" in text_of(item(response.text, saved.id))


def test_logging_a_call_and_adding_a_note_in_the_panel(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    ref = {"contact_id": records.contact_id}
    call = {
        "kind": "call",
        "subject": "Discovery call",
        "occurred_at": "2026-11-20T14:30",
        "call_duration_minutes": "40",
        "outcome": "Wants a demo",
        "description": "CTO joined",
    }
    response = client.post("/activities", params=ref, data=call, headers=htmx(token))
    assert response.status_code == 200, response.text
    assert toast(response) == "Call logged"
    assert 'value="call" id="act-tab-call" checked' in response.text  # the tab stays chosen
    note = {"kind": "note", "title": "Org chart", "body": "Reports to the CFO"}
    response = client.post("/activities", params=ref, data=note, headers=htmx(token))
    assert toast(response) == "Note added"
    saved_note, saved_call = stored(core, rep, **ref)
    assert (saved_call.subject, saved_call.call_duration_minutes, saved_call.outcome) == (
        "Discovery call",
        40,
        "Wants a demo",
    )
    assert saved_call.occurred_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    assert (saved_note.title, saved_note.body) == ("Org chart", "Reports to the CFO")
    readable = text_of(response.text)
    assert "Call Nov 20, 2026, 14:30 UTC" in readable and "40 min" in readable
    assert "Reports to the CFO" in readable


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kind": "task", "subject": " ", "due_date": "2026-12-01", "priority": "Normal"},
            "subject",
            "Is required",
        ),
        (
            {"kind": "task", "subject": "Quote", "due_date": "2026-02-30", "priority": "Normal"},
            "due_date",
            "Must be a date (YYYY-MM-DD)",
        ),
        ({"kind": "task", "subject": "Quote", "priority": "Urgent"}, "priority", "Must be one of"),
        (
            {"kind": "call", "subject": "Call", "call_duration_minutes": "ten"},
            "call_duration_minutes",
            "Must be a number",
        ),
        (
            {"kind": "call", "subject": "Call", "occurred_at": "yesterday"},
            "occurred_at",
            "Must be a date and time",
        ),
        ({"kind": "note", "title": "", "body": "Text kept"}, "title", "Is required"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    client: TestClient,
    core: Opportune,
    rep: User,
    records: Records,
    sign_in: SignIn,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    token = sign_in(rep)
    response = client.post(
        "/activities", params={"lead_id": records.lead_id}, data=data, headers=htmx(token)
    )
    assert response.status_code == 422, response.text
    assert 'id="activity-panel"' in response.text
    input_id = f"act-{data['kind']}-{field}"
    error = re.search(rf'<p class="field-error" id="{input_id}-error">.*?</p>', response.text, re.S)
    assert error and message in error.group(0)
    assert re.search(rf'id="{input_id}"[^>]*aria-invalid="true"[^>]*autofocus', response.text)
    assert f'value="{data["kind"]}" id="act-tab-{data["kind"]}" checked' in response.text
    for name, value in data.items():
        if name not in ("kind", field) and value.strip():
            assert value in response.text  # what was typed stays in the form
    assert "HX-Trigger" not in response.headers
    assert stored(core, rep, lead_id=records.lead_id) == []


def test_an_unknown_kind_is_refused_and_nothing_is_saved(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    response = client.post(
        "/activities",
        params={"lead_id": records.lead_id},
        data={"kind": "email", "subject": "Hi"},
        headers=htmx(token),
    )
    assert response.status_code == 422
    assert stored(core, rep, lead_id=records.lead_id) == []


def test_adding_needs_the_csrf_token(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    sign_in(rep)
    response = client.post(
        "/activities",
        params={"lead_id": records.lead_id},
        data={"kind": "note", "title": "Hi"},
        headers=HX,
    )
    assert response.status_code == 403
    assert stored(core, rep, lead_id=records.lead_id) == []


def test_completing_a_task_in_the_panel_moves_it_to_the_history(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    core.activities.create(
        rep, {"kind": "call", "subject": "Old call", "opportunity_id": records.opportunity_id}
    )
    todo = task(core, rep, "Follow up", opportunity_id=records.opportunity_id)
    response = client.post(
        f"/activities/{todo.id}/complete",
        params={"opportunity_id": records.opportunity_id},
        headers=htmx(token),
    )
    assert response.status_code == 200, response.text
    assert toast(response) == "Task completed: Follow up"
    assert core.activities.get(rep, todo.id or 0).status == "Completed"
    readable = text_of(response.text)
    assert "No open tasks." in readable
    positions = [readable.index(words) for words in ("Activity history", "Follow up", "Old call")]
    assert positions == sorted(positions)
    assert "Complete Follow up" not in response.text
    assert f"Completed {today():%b} {today().day}," in text_of(item(response.text, todo.id))


def test_deleting_in_the_panel_asks_first_and_reps_delete_only_their_own(
    client: TestClient,
    core: Opportune,
    rep: User,
    manager: User,
    records: Records,
    sign_in: SignIn,
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    mine = core.activities.create(
        rep, {"kind": "note", "title": "Mine", "lead_id": records.lead_id}
    )
    theirs = task(core, manager, "Theirs", lead_id=records.lead_id)
    token = sign_in(rep)
    panel = client.get(PANEL, params={"lead_id": records.lead_id}, headers=HX).text
    assert 'hx-confirm="Delete the note “Mine”? It goes to the recycle bin."' in panel

    refused = client.post(
        f"/activities/{theirs.id}/delete", params={"lead_id": records.lead_id}, headers=htmx(token)
    )
    assert refused.status_code == 403
    assert "Only the activity&#39;s owner, a manager or an admin can delete it" in refused.text
    assert "data-error-message" in refused.text

    deleted = client.post(
        f"/activities/{mine.id}/delete", params={"lead_id": records.lead_id}, headers=htmx(token)
    )
    assert deleted.status_code == 200, deleted.text
    assert toast(deleted) == "Note deleted"
    assert [a.id for a in stored(core, rep, lead_id=records.lead_id)] == [theirs.id]
    assert "Mine" not in text_of(deleted.text)


def test_a_manager_deletes_a_reps_task(
    client: TestClient,
    core: Opportune,
    rep: User,
    manager: User,
    records: Records,
    sign_in: SignIn,
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the rep's manager
    theirs = task(core, rep, "Rep's task", lead_id=records.lead_id)
    token = sign_in(manager)
    response = client.post(
        f"/activities/{theirs.id}/delete", params={"lead_id": records.lead_id}, headers=htmx(token)
    )
    assert response.status_code == 200
    assert toast(response) == "Task deleted"
    assert stored(core, rep, lead_id=records.lead_id) == []


def test_actions_on_a_missing_activity_are_404s(
    client: TestClient, rep: User, records: Records, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    for action in ("complete", "delete"):
        for activity_id in (99999, 2**40):
            response = client.post(
                f"/activities/{activity_id}/{action}",
                params={"lead_id": records.lead_id},
                headers=htmx(token),
            )
            assert response.status_code == 404, (action, activity_id)


def more_link(html: str) -> str | None:
    found = re.search(r'hx-get="(/activities/panel/more\?[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_panel_pages_with_load_more_until_everything_is_shown(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    sign_in(rep)
    ref = {"account_id": records.account_id}
    for day in range(12):
        task(core, rep, f"Task {day:02}", due_date=today() + timedelta(days=day), **ref)
    for n in range(9):
        core.activities.create(rep, {"kind": "note", "title": f"Note {n}", **ref})

    first = client.get(PANEL, params=ref, headers=HX).text
    subjects = re.findall(r"(Task \d\d|Note \d)</p>", first)
    assert subjects == [f"Task {d:02}" for d in range(10)]
    assert "Activity history" not in text_of(first)
    pages, link = [subjects], more_link(first)
    while link:
        response = client.get(link, headers=HX)
        assert response.status_code == 200, response.text
        assert 'id="activity-panel"' not in response.text
        pages.append(re.findall(r"(Task \d\d|Note \d)</p>", response.text))
        assert text_of(response.text).count("Activity history") == (1 if len(pages) == 2 else 0)
        link = more_link(response.text)
    assert [len(page) for page in pages] == [10, 10, 1]
    assert pages[1] == ["Task 10", "Task 11"] + [f"Note {n}" for n in range(8, 0, -1)]
    assert pages[2] == ["Note 0"]


def test_a_bad_load_more_cursor_is_a_422(
    client: TestClient, rep: User, records: Records, sign_in: SignIn
) -> None:
    sign_in(rep)
    response = client.get(
        f"{PANEL}/more", params={"lead_id": records.lead_id, "cursor": "x"}, headers=HX
    )
    assert response.status_code == 422
    assert "Invalid or expired page cursor" in response.text


# --- my tasks -----------------------------------------------------------------------------


def group(html: str, key: str) -> str:
    """The text of one group of the task page."""
    found = re.search(
        rf'<section class="card task-group task-group-{key}".*?</section>', html, re.S
    )
    assert found, f"no {key} group"
    return text_of(found.group(0))


def test_my_tasks_groups_my_open_tasks_overdue_first_with_related_records_linked(
    client: TestClient,
    core: Opportune,
    rep: User,
    manager: User,
    records: Records,
    sign_in: SignIn,
) -> None:
    day = today()
    task(core, rep, "Undated", lead_id=records.lead_id)
    task(
        core,
        rep,
        "Next week",
        due_date=day + timedelta(days=7),
        contact_id=records.contact_id,
        opportunity_id=records.opportunity_id,
    )
    task(core, rep, "For today", due_date=day, account_id=records.account_id)
    task(core, rep, "Long overdue", due_date=day - timedelta(days=9))
    task(core, rep, "Overdue", due_date=day - timedelta(days=1), priority="High")
    done = task(core, rep, "Done already", due_date=day - timedelta(days=3))
    core.activities.complete(rep, done.id or 0)
    task(core, manager, "Someone else's", due_date=day - timedelta(days=3))
    core.activities.create(rep, {"kind": "note", "title": "A note"})
    sign_in(rep)

    response = client.get("/tasks")
    assert response.status_code == 200, response.text
    html = response.text
    assert 'aria-current="page">My tasks<' in html
    summary = re.search(r'<p class="tasks-summary".*?</p>', html, re.S)
    assert summary and text_of(summary.group(0)) == "5 open 2 overdue"
    assert group(html, "overdue").startswith("Overdue 2")
    assert re.findall(r'<p class="task-subject">([^<]+)</p>', html) == [
        "Long overdue",
        "Overdue",
        "For today",
        "Next week",
        "Undated",
    ]
    assert f"Overdue · {day - timedelta(days=9):%b} " in group(html, "overdue")
    assert 'class="task-row is-overdue"' in html
    assert "Today" in group(html, "today") and "For today" in group(html, "today")
    assert "Account: Acme Corp" in group(html, "today")
    assert "Contact: Omar Ode" in group(html, "upcoming")
    assert "Opportunity: Acme renewal" in group(html, "upcoming")
    assert "Lead: Olivia Ng" in group(html, "someday")
    for url in (
        f"/leads/{records.lead_id}",
        f"/contacts/{records.contact_id}",
        f"/accounts/{records.account_id}",
        f"/opportunities/{records.opportunity_id}",
    ):
        assert f'href="{url}"' in html
    assert "Someone else" not in html and "Done already" not in html and "A note" not in html


def test_my_tasks_without_open_tasks_shows_the_empty_state(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    done = task(core, rep, "Finished")
    core.activities.complete(rep, done.id or 0)
    sign_in(rep)
    html = client.get("/tasks").text
    assert "Nothing to do" in html
    assert "task-group" not in html
    assert 'id="new-task-title">New task<' in html


def test_completing_on_my_tasks_updates_the_row_in_place_and_the_counts(
    client: TestClient, core: Opportune, rep: User, records: Records, sign_in: SignIn
) -> None:
    late = task(
        core, rep, "Late one", due_date=today() - timedelta(days=1), lead_id=records.lead_id
    )
    task(core, rep, "Also late", due_date=today() - timedelta(days=2))
    task(core, rep, "Later", due_date=today() + timedelta(days=2))
    token = sign_in(rep)
    response = client.post(f"/tasks/{late.id}/complete", headers=htmx(token))
    assert response.status_code == 200, response.text
    assert toast(response) == "Task completed"
    html = response.text
    assert html.lstrip().startswith(f'<li class="task-row is-done" id="task-{late.id}">')
    assert "<s>Late one</s>" in html and "Lead: Olivia Ng" in text_of(html)
    assert '<span class="count" id="count-overdue" hx-swap-oob="true">1</span>' in html
    assert '<span class="count" id="count-upcoming" hx-swap-oob="true">1</span>' in html
    summary = re.search(
        r'<p class="tasks-summary" id="tasks-summary" hx-swap-oob="true">.*?</p>', html, re.S
    )
    assert summary and text_of(summary.group(0)) == "2 open 1 overdue"
    assert core.activities.get(rep, late.id or 0).status == "Completed"
    assert [t.subject for t in core.activities.my_tasks(rep).open] == ["Also late", "Later"]


def test_completing_without_htmx_goes_back_to_the_page_with_a_message(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    todo = task(core, rep, "Plain form")
    token = sign_in(rep)
    response = client.post(f"/tasks/{todo.id}/complete", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/tasks"
    page = client.get("/tasks").text
    assert "Task completed: Plain form" in page
    assert "Nothing to do" in page


def test_a_new_task_on_my_tasks_is_listed_and_bad_input_saves_nothing(
    client: TestClient, core: Opportune, rep: User, manager: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    due = today() + timedelta(days=1)
    refused = client.post(
        "/tasks",
        data={"subject": "", "due_date": due.isoformat(), "priority": "Normal"},
        headers=htmx(token),
    )
    assert refused.status_code == 422
    assert re.search(r'id="new-task-subject-error">.*?Is required', refused.text, re.S)
    assert f'value="{due.isoformat()}"' in refused.text
    assert core.activities.my_tasks(rep).open == ()

    added = client.post(
        "/tasks",
        data={"subject": "Prepare the demo", "due_date": due.isoformat(), "priority": "High"},
        headers=htmx(token),
    )
    assert added.status_code == 200, added.text
    assert toast(added) == "Task added: Prepare the demo"
    assert added.text.lstrip().startswith('<div id="my-tasks"')
    assert "Prepare the demo" in group(added.text, "upcoming")
    (saved,) = core.activities.my_tasks(rep).open
    assert (saved.subject, saved.due_date, saved.priority, saved.owner_id) == (
        "Prepare the demo",
        due,
        "High",
        rep.id,
    )

    given = client.post(
        "/tasks",
        data={"subject": "Review the deal", "priority": "Normal", "owner_id": str(manager.id)},
        headers=htmx(token),
    )
    assert toast(given) == "Task added for Max Manager: Review the deal"
    assert "Review the deal" not in given.text
    assert [t.subject for t in core.activities.my_tasks(manager).open] == ["Review the deal"]


def test_a_new_task_without_htmx_redirects_and_a_refused_one_shows_the_whole_page(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    refused = client.post("/tasks", data={"subject": "", "priority": "Normal", "csrf_token": token})
    assert refused.status_code == 422
    assert "<html" in refused.text and "Is required" in refused.text
    added = client.post(
        "/tasks", data={"subject": "Plain", "priority": "Normal", "csrf_token": token}
    )
    assert added.status_code == 303
    assert "Task added: Plain" in client.get("/tasks").text


def test_my_tasks_needs_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/tasks")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/tasks"
