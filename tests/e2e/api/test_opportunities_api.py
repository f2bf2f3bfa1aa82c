"""Opportunities and the pipeline's settings through the REST API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, db_snapshot

Headers = dict[str, str]
API = "/api/v1"


def add_account(core: Opportune, owner: User, name: str = "Acme") -> int:
    account = core.accounts.create(owner, {"name": name})
    assert account.id is not None
    return account.id


def add_contact(core: Opportune, owner: User, account_id: int, name: str = "Ng") -> int:
    contact = core.contacts.create(owner, {"last_name": name, "account_id": account_id})
    assert contact.id is not None
    return contact.id


@pytest.fixture
def account(core: Opportune, rep: User) -> int:
    return add_account(core, rep)


def create(client: TestClient, headers: Headers, account: int, **fields: object) -> Any:
    body = {"name": "Deal", "account_id": account, "close_date": "2026-06-30", **fields}
    response = client.post(f"{API}/opportunities", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def stage_id(client: TestClient, headers: Headers, label: str) -> int:
    stages = client.get(f"{API}/stages", headers=headers).json()
    return int(next(s["id"] for s in stages if s["label"] == label))


# --- records ---------------------------------------------------------------------------------


def test_an_opportunity_goes_through_create_read_update_and_delete(
    client: TestClient, as_rep: Headers, rep: User, account: int
) -> None:
    response = client.post(
        f"{API}/opportunities",
        json={"name": "Big deal", "account_id": account, "close_date": "2026-06-30",
              "amount": "25000", "stage": "needs analysis", "lead_source": "web",
              "type": "new business"},
        headers=as_rep,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    opp = response.json()
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/opportunities/{opp['id']}")
    assert response.headers["ETag"] == '"1"'
    assert opp["stage"] == "Needs Analysis"
    assert (opp["probability"], opp["forecast_category"]) == (20, "Pipeline")
    assert (opp["is_closed"], opp["is_won"]) == (False, False)
    assert opp["amount"] == "25000.00"
    assert opp["expected_revenue"] == "5000.00"
    assert opp["currency_code"] == "USD"
    assert opp["lead_source"] == "Web"
    assert opp["type"] == "New Business"
    assert (opp["owner_id"], opp["owner_name"]) == (rep.id, rep.name)
    assert opp["lost_reason"] is None

    assert client.get(location, headers=as_rep).json() == opp

    lost = client.patch(
        location, json={"stage": "Closed Lost", "lost_reason": "price"}, headers=as_rep
    )
    assert lost.status_code == 200, lost.text
    changed = lost.json()
    assert (changed["stage"], changed["lost_reason"]) == ("Closed Lost", "Price")
    assert (changed["is_closed"], changed["is_won"], changed["probability"]) == (True, False, 0)
    assert changed["expected_revenue"] == "0.00"
    assert changed["version"] == 2 and lost.headers["ETag"] == '"2"'
    assert changed["name"] == "Big deal"

    won = client.patch(location, json={"stage": "Closed Won"}, headers=as_rep).json()
    assert (won["is_won"], won["lost_reason"], won["expected_revenue"]) == (True, None, "25000.00")

    deleted = client.delete(location, headers=as_rep)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(client.get(location, headers=as_rep), 404, "NOT_FOUND")


def test_the_opportunity_output_has_exactly_the_documented_fields(
    client: TestClient, as_rep: Headers, account: int
) -> None:
    opp = create(client, as_rep, account)
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["OpportunityOut"]
    assert set(opp) == set(schema["properties"])


def test_probability_can_be_overridden_and_amount_sent_as_a_number(
    client: TestClient, as_rep: Headers, account: int
) -> None:
    opp = create(client, as_rep, account, amount=1234.5, probability=55)
    assert (opp["amount"], opp["probability"], opp["expected_revenue"]) == (
        "1234.50", 55, "678.98",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"stage": "Nowhere"}, "stage", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"close_date": "next tuesday"}, "close_date", None),
        ({"close_date": None}, "close_date", "REQUIRED_FIELD_MISSING"),
        ({"amount": "-5"}, "amount", None),
        ({"amount": "lots"}, "amount", None),
        ({"probability": 101}, "probability", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"probability": -1}, "probability", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"stage": "Closed Lost"}, "lost_reason", "REQUIRED_FIELD_MISSING"),
        ({"lost_reason": "Price"}, "lost_reason", "FIELD_INTEGRITY_EXCEPTION"),
        ({"lead_source": "Carrier pigeon"}, "lead_source", None),
        ({"forecast_category": "Maybe"}, "forecast_category", None),
        ({"currency_code": "EUR"}, "currency_code", "INVALID_CURRENCY_ISO"),
        ({"is_won": True}, "is_won", "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"expected_revenue": "5"}, "expected_revenue", "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"stage_id": 1}, "stage_id", "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"colour": "red"}, "colour", "INVALID_FIELD"),
        ({"owner_id": 999_999}, "owner_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"account_id": 999_999}, "account_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"name": "x" * 121}, "name", "STRING_TOO_LONG"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
    client: TestClient,
    core: Opportune,
    as_rep: Headers,
    account: int,
    fields: dict[str, object],
    field: str,
    code: str | None,
) -> None:
    opp = create(client, as_rep, account)
    before = db_snapshot(core)
    url = f"{API}/opportunities/{opp['id']}"
    assert_error(client.patch(url, json=fields, headers=as_rep), 422, code, field)
    body = {"name": "New", "account_id": account, "close_date": "2026-06-30", **fields}
    assert_error(client.post(f"{API}/opportunities", json=body, headers=as_rep), 422, code, field)
    assert db_snapshot(core) == before


def test_a_new_opportunity_needs_name_account_and_close_date(
    client: TestClient, core: Opportune, as_rep: Headers
) -> None:
    before = db_snapshot(core)
    body = assert_error(client.post(f"{API}/opportunities", json={}, headers=as_rep), 422)
    assert {f["field"] for f in body["fields"]} >= {"name", "account_id", "close_date"}
    assert db_snapshot(core) == before


def test_of_two_stale_changes_the_later_one_gets_a_conflict(
    client: TestClient, core: Opportune, as_rep: Headers, as_manager: Headers, account: int,
    rep: User, manager: User,
) -> None:  # fmt: skip
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    opp = create(client, as_rep, account)
    url = f"{API}/opportunities/{opp['id']}"
    first = client.patch(
        url, json={"stage": "Qualification"}, headers={**as_rep, "If-Match": '"1"'}
    )
    assert first.status_code == 200, first.text
    before = db_snapshot(core)
    second = client.patch(
        url, json={"stage": "Needs Analysis"}, headers={**as_manager, "If-Match": 'W/"1"'}
    )
    assert_error(second, 409, "STALE_RECORD")
    assert db_snapshot(core) == before
    assert_error(
        client.patch(url, json={"amount": 1}, headers={**as_rep, "If-Match": "soon"}),
        422, "INVALID_HEADER", "If-Match",
    )  # fmt: skip
    current = client.patch(url, json={"amount": 1}, headers={**as_rep, "If-Match": "2"})
    assert current.status_code == 200, current.text


def test_missing_opportunities_are_not_found_everywhere(
    client: TestClient, as_rep: Headers
) -> None:
    base = f"{API}/opportunities/424242"
    for method, path in [
        ("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/history"),
        ("GET", "/stage-history"), ("GET", "/metrics"), ("GET", "/contact-roles"),
        ("POST", "/contact-roles"), ("PATCH", "/contact-roles/1"), ("DELETE", "/contact-roles/1"),
    ]:  # fmt: skip
        body = {"contact_id": 1} if method != "GET" and method != "DELETE" else None
        if method == "PATCH" and not path:
            body = {"name": "x"}
        response = client.request(method, base + path, json=body, headers=as_rep)
        assert_error(response, 404, "NOT_FOUND")
    assert_error(client.get(f"{API}/opportunities/0", headers=as_rep), 422, field="opportunity_id")
    assert_error(client.get(f"{API}/opportunities/{2**31}", headers=as_rep), 422)


def test_signed_out_callers_get_401_and_reps_delete_only_their_own(
    client: TestClient, core: Opportune, as_manager: Headers, as_rep: Headers, account: int
) -> None:
    # Opportunities open to all for read and write: the rep may edit the manager's
    # opportunity, and the delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "opportunity", "read_write")
    opp = create(client, as_manager, account)
    for method, path in [("GET", "/opportunities"), ("POST", "/opportunities"),
                         ("GET", f"/opportunities/{opp['id']}"), ("GET", "/stages"),
                         ("GET", "/lost-reasons"), ("GET", "/stages/1/board-column")]:  # fmt: skip
        assert_error(client.request(method, API + path), 401)
    before = db_snapshot(core)
    url = f"{API}/opportunities/{opp['id']}"
    assert_error(client.delete(url, headers=as_rep), 403, "INSUFFICIENT_ACCESS")
    assert db_snapshot(core) == before
    assert client.delete(url, headers=as_manager).status_code == 204


# --- history and metrics --------------------------------------------------------------------


def test_field_history_stage_history_and_metrics_follow_the_changes(
    client: TestClient, as_rep: Headers, rep: User, account: int
) -> None:
    opp = create(client, as_rep, account, amount="100")
    url = f"{API}/opportunities/{opp['id']}"
    client.patch(url, json={"stage": "Qualification", "next_step": "Call"}, headers=as_rep)
    client.patch(url, json={"close_date": "2026-07-31"}, headers=as_rep)
    client.patch(url, json={"description": "Only a field change"}, headers=as_rep)

    history = client.get(f"{url}/history", headers=as_rep)
    assert history.status_code == 200, history.text
    changes = {(c["field"], c["old_value"], c["new_value"]) for c in history.json()}
    assert ("close_date", "2026-06-30", "2026-07-31") in changes
    assert ("next_step", None, "Call") in changes
    assert all(c["changed_by_name"] == rep.name for c in history.json())

    snapshots = client.get(f"{url}/stage-history", headers=as_rep).json()
    assert [s["stage"] for s in snapshots] == ["Prospecting", "Qualification", "Qualification"]
    assert [s["close_date"] for s in snapshots][-1] == "2026-07-31"
    assert snapshots[0]["amount"] == "100.00" and snapshots[0]["expected_revenue"] == "10.00"
    assert snapshots[0]["changed_by_id"] == rep.id

    metrics = client.get(f"{url}/metrics", headers=as_rep).json()
    assert [t["stage"] for t in metrics["time_in_stages"]] == ["Prospecting", "Qualification"]
    assert all(t["seconds"] >= 0 for t in metrics["time_in_stages"])
    assert metrics["close_date_pushes"] == 1
    assert metrics["days_to_close"] is None
    assert metrics["stage_age_seconds"] >= 0


# --- contact roles --------------------------------------------------------------------------


def test_contact_roles_round_trip_and_follow_the_rules(
    client: TestClient, core: Opportune, as_rep: Headers, rep: User, account: int
) -> None:
    opp = create(client, as_rep, account)
    roles_url = f"{API}/opportunities/{opp['id']}/contact-roles"
    ann, bob = add_contact(core, rep, account, "Ann"), add_contact(core, rep, account, "Bob")
    outsider = add_contact(core, rep, add_account(core, rep, "Other Co"), "Out")

    added = client.post(
        roles_url, json={"contact_id": ann, "role": "decision maker", "is_primary": True},
        headers=as_rep,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    first = added.json()
    assert (first["role"], first["is_primary"], first["contact_id"]) == (
        "Decision Maker", True, ann,
    )  # fmt: skip

    before = db_snapshot(core)
    refused: list[tuple[dict[str, object], str, str]] = [
        ({"contact_id": bob, "is_primary": True}, "is_primary", "DUPLICATE_VALUE"),
        ({"contact_id": outsider}, "contact_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"contact_id": 999_999}, "contact_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"contact_id": ann, "role": "Decision Maker"}, "role", "DUPLICATE_VALUE"),
        ({"contact_id": bob, "role": "Boss"}, "role", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"role": "Evaluator"}, "contact_id", "REQUIRED_FIELD_MISSING"),
        ({"contact_id": "two"}, "contact_id", "INVALID_TYPE"),
        ({"contact_id": bob, "opportunity_id": 3}, "opportunity_id", None),
    ]
    for data, field, code in refused:
        assert_error(client.post(roles_url, json=data, headers=as_rep), 422, code, field)
    assert db_snapshot(core) == before

    partner = client.post(
        f"{roles_url}?allow_other_accounts=true",
        json={"contact_id": outsider, "role": "Influencer"}, headers=as_rep,
    )  # fmt: skip
    assert partner.status_code == 201, partner.text
    partner_url = f"{roles_url}/{partner.json()['id']}"
    assert_error(
        client.patch(partner_url, json={"is_primary": True}, headers=as_rep),
        422, "DUPLICATE_VALUE", "is_primary",
    )  # fmt: skip
    client.patch(f"{roles_url}/{first['id']}", json={"is_primary": False}, headers=as_rep)
    promoted = client.patch(
        partner_url, json={"is_primary": True, "role": "Evaluator"}, headers=as_rep
    )
    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["role"], promoted.json()["is_primary"]) == ("Evaluator", True)

    listed = client.get(roles_url, headers=as_rep).json()
    assert [(r["contact_id"], r["is_primary"]) for r in listed] == [(outsider, True), (ann, False)]
    assert client.delete(f"{roles_url}/{first['id']}", headers=as_rep).status_code == 204
    assert_error(client.delete(f"{roles_url}/{first['id']}", headers=as_rep), 404)
    assert [r["contact_id"] for r in client.get(roles_url, headers=as_rep).json()] == [outsider]


# --- lists and the board ---------------------------------------------------------------------


def test_the_list_filters_sorts_and_pages(
    client: TestClient,
    core: Opportune,
    as_rep: Headers,
    as_manager: Headers,
    rep: User,
    account: int,
) -> None:
    # Opportunities public read-only, so the rep's list shows the manager's too.
    core.sharing.set_org_default(None, "opportunity", "read")
    other = add_account(core, rep, "Other Co")
    for i in range(5):
        create(client, as_rep, account, name=f"Rep {i}", close_date=f"2026-05-0{i + 1}")
    create(client, as_manager, other, name="Mgr won", stage="Closed Won",
           close_date="2026-04-01")  # fmt: skip

    def names(query: str) -> list[str]:
        response = client.get(f"{API}/opportunities?{query}", headers=as_rep)
        assert response.status_code == 200, response.text
        return [o["name"] for o in response.json()["items"]]

    assert names("owner=me")[:2] == ["Rep 0", "Rep 1"]
    assert names("state=won") == ["Mgr won"]
    assert names(f"account={other}") == ["Mgr won"]
    assert names("stage=closed%20won,prospecting&sort=-close_date")[0] == "Rep 4"
    assert names("close_from=2026-05-02&close_to=2026-05-03") == ["Rep 1", "Rep 2"]
    assert names("q=mgr") == ["Mgr won"]

    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        response = client.get(
            f"{API}/opportunities?limit=2&with_total=true{cursor}", headers=as_rep
        ).json()
        assert response["total"] == 6
        seen += [o["name"] for o in response["items"]]
        pages += 1
        if response["next_cursor"] is None:
            break
        cursor = f"&cursor={response['next_cursor']}"
    assert pages == 3
    assert seen == ["Mgr won", "Rep 0", "Rep 1", "Rep 2", "Rep 3", "Rep 4"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stage=Nowhere", "stage"),
        ("owner=nobody@example.com", "owner"),
        ("account=acme", "account"),
        ("state=maybe", "state"),
        ("close_from=soon", "close_from"),
        ("close_from=2026-05-02&close_to=2026-05-01", "close_to"),
        ("sort=colour", "sort"),
        ("cursor=forged", "cursor"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ],
)
def test_bad_list_filters_are_refused_naming_the_parameter(
    client: TestClient, as_rep: Headers, query: str, field: str
) -> None:
    response = client.get(f"{API}/opportunities?{query}", headers=as_rep)
    assert_error(response, 422, field=field)


def test_a_board_column_pages_its_cards_and_totals_the_whole_column(
    client: TestClient, core: Opportune, as_rep: Headers, as_manager: Headers, account: int
) -> None:
    # Opportunities public read-only, so the rep's board shows the manager's cards too.
    core.sharing.set_org_default(None, "opportunity", "read")
    for i, amount in enumerate(["1000.00", "2500.50", None, "333.33", "10.00"]):
        headers = as_rep if i % 2 == 0 else as_manager
        create(client, headers, account, name=f"Q{i}", stage="Needs Analysis", amount=amount,
               close_date=f"2026-05-0{5 - i}")  # fmt: skip
    create(client, as_rep, account, name="Elsewhere", amount="999", stage="Qualification")
    column_url = f"{API}/stages/{stage_id(client, as_rep, 'Needs Analysis')}/board-column"

    first = client.get(f"{column_url}?limit=2", headers=as_rep)
    assert first.status_code == 200, first.text
    column = first.json()
    assert column["stage"]["label"] == "Needs Analysis"
    assert [o["name"] for o in column["items"]] == ["Q4", "Q3"]
    assert column["totals"] == {"count": 5, "amount": "3843.83", "expected_revenue": "768.77"}
    assert column["total"] == 5
    second = client.get(f"{column_url}?limit=2&cursor={column['next_cursor']}", headers=as_rep)
    assert [o["name"] for o in second.json()["items"]] == ["Q2", "Q1"]

    mine = client.get(f"{column_url}?owner=me&close_to=2026-05-04", headers=as_rep).json()
    assert [o["name"] for o in mine["items"]] == ["Q4", "Q2"]
    assert mine["totals"]["count"] == 2 and mine["totals"]["amount"] == "10.00"
    won = client.get(
        f"{API}/stages/{stage_id(client, as_rep, 'Closed Won')}/board-column", headers=as_rep
    ).json()
    assert won["items"] == []
    assert won["totals"] == {"count": 0, "amount": "0.00", "expected_revenue": "0.00"}
    assert_error(client.get(f"{API}/stages/424242/board-column", headers=as_rep), 404)
    assert_error(client.get(f"{column_url}?owner=nobody", headers=as_rep), 422, field="owner")
    assert_error(client.get(f"{column_url}?stage=Won", headers=as_rep), 422, field="stage")


# --- pipeline settings -----------------------------------------------------------------------


def test_everyone_reads_stages_and_lost_reasons_and_admins_edit_them(
    client: TestClient, core: Opportune, as_admin: Headers, as_rep: Headers
) -> None:
    stages = client.get(f"{API}/stages", headers=as_rep).json()
    assert [s["label"] for s in stages][:2] == ["Prospecting", "Qualification"]
    assert stages[-2]["is_won"] and not stages[-1]["is_won"] and stages[-1]["is_closed"]
    reasons = client.get(f"{API}/lost-reasons", headers=as_rep).json()
    assert reasons[0]["label"] == "Price"

    before = db_snapshot(core)
    new_stage = {"label": "Demo", "probability": 30, "forecast_category": "Best Case"}
    assert_error(client.post(f"{API}/stages", json=new_stage, headers=as_rep), 403)
    patch_url = f"{API}/stages/{stages[0]['id']}"
    assert_error(client.patch(patch_url, json={"probability": 5}, headers=as_rep), 403)
    assert_error(client.post(f"{API}/lost-reasons", json={"label": "X"}, headers=as_rep), 403)
    reason_url = f"{API}/lost-reasons/{reasons[0]['id']}"
    assert_error(client.patch(reason_url, json={"label": "X"}, headers=as_rep), 403)
    assert db_snapshot(core) == before

    created = client.post(f"{API}/stages", json=new_stage, headers=as_admin)
    assert created.status_code == 201, created.text
    demo = created.json()
    assert (demo["label"], demo["probability"], demo["is_active"]) == ("Demo", 30, True)
    assert demo["sort_order"] > stages[-1]["sort_order"]
    changed = client.patch(
        f"{API}/stages/{demo['id']}", json={"probability": 35, "sort_order": 15},
        headers=as_admin,
    ).json()  # fmt: skip
    assert (changed["probability"], changed["sort_order"]) == (35, 15)
    labels = [s["label"] for s in client.get(f"{API}/stages", headers=as_rep).json()]
    assert labels[:3] == ["Prospecting", "Demo", "Qualification"]

    reason = client.post(f"{API}/lost-reasons", json={"label": "Went quiet"}, headers=as_admin)
    assert reason.status_code == 201, reason.text
    renamed = client.patch(
        f"{API}/lost-reasons/{reason.json()['id']}", json={"label": "Ghosted", "is_active": False},
        headers=as_admin,
    ).json()  # fmt: skip
    assert (renamed["label"], renamed["is_active"]) == ("Ghosted", False)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/stages", {"label": "Demo", "probability": 101, "forecast_category": "Pipeline"},
         "probability"),
        ("/stages", {"label": "Demo", "probability": 10, "forecast_category": "Maybe"},
         "forecast_category"),
        ("/stages", {"label": "Prospecting", "probability": 10, "forecast_category": "Pipeline"},
         "label"),
        ("/stages", {"label": "Demo", "forecast_category": "Pipeline"}, "probability"),
        ("/stages", {"label": "Demo", "probability": 10, "forecast_category": "Pipeline",
                     "is_won": True}, "is_won"),
        ("/stages", {"label": "Demo", "probability": 10, "forecast_category": "Pipeline",
                     "id": 3}, "id"),
        ("/stages/{won}", {"is_active": False}, "is_won"),
        ("/lost-reasons", {"label": "price"}, "label"),
        ("/lost-reasons", {"label": ""}, "label"),
        ("/lost-reasons", {}, "label"),
    ],
)  # fmt: skip
def test_bad_pipeline_settings_are_refused_naming_the_field(
    client: TestClient,
    core: Opportune,
    as_admin: Headers,
    path: str,
    body: dict[str, object],
    field: str,
) -> None:
    path = path.replace("{won}", str(stage_id(client, as_admin, "Closed Won")))
    before = db_snapshot(core)
    method = "PATCH" if path.count("/") > 1 else "POST"
    assert_error(client.request(method, API + path, json=body, headers=as_admin), 422, field=field)
    assert db_snapshot(core) == before


def test_missing_stages_and_lost_reasons_are_not_found(
    client: TestClient, as_admin: Headers
) -> None:
    assert_error(client.patch(f"{API}/stages/424242", json={"probability": 5}, headers=as_admin),
                 404)  # fmt: skip
    assert_error(
        client.patch(f"{API}/lost-reasons/424242", json={"label": "X"}, headers=as_admin), 404
    )
