"""The lead list: every filter, sort, keyset pagination both ways, and the total."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.api.helpers import assert_error, backdate, mark_converted

Headers = dict[str, str]
LEADS = "/api/v1/leads"


def add(
    core: Opportune, actor: User, last_name: str, company: str = "Acme", **fields: object
) -> int:
    """Create a lead through the library, for list tests; return its id."""
    lead = core.leads.create(actor, {"last_name": last_name, "company": company, **fields})
    assert lead.id is not None
    return lead.id


def names(client: TestClient, headers: Headers, **params: object) -> list[str]:
    """Last names of the first page of the list for these query parameters."""
    response = client.get(LEADS, params=params, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [item["last_name"] for item in response.json()["items"]]


@pytest.fixture
def team(core: Opportune, rep: User, manager: User) -> dict[str, int]:
    """A handful of varied leads owned by the rep and the manager, all readable by both
    (leads are public read-only here, so the list shows the manager's leads to the rep)."""
    core.sharing.set_org_default(None, "lead", "read")
    return {
        "Ng": add(core, rep, "Ng", "Acme", status="Working - Contacted", lead_source="Web",
                  rating="Hot", email="nora@acme.example"),
        "Berg": add(core, rep, "Berg", "Fjord AS", lead_source="Partner Referral", rating="Cold"),
        "Cruz": add(core, manager, "Cruz", "Sol SA", lead_source="Web", rating="Warm"),
        "Diaz": add(core, manager, "Diaz", "Acme Labs", status="Working - Contacted",
                    lead_source="Phone Inquiry"),
    }  # fmt: skip


def test_the_list_filters_by_status(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    assert sorted(names(client, as_rep, status="Working - Contacted")) == ["Diaz", "Ng"]
    assert sorted(names(client, as_rep, status=["open - not contacted"])) == ["Berg", "Cruz"]


def test_the_list_filters_by_several_sources(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    assert sorted(names(client, as_rep, lead_source="Web")) == ["Cruz", "Ng"]
    both = names(client, as_rep, lead_source=["Web", "Partner Referral"])
    assert sorted(both) == ["Berg", "Cruz", "Ng"]


def test_the_list_filters_by_owner_as_me_id_or_email(
    client: TestClient, as_rep: Headers, team: dict[str, int], manager: User
) -> None:
    assert sorted(names(client, as_rep, owner="me")) == ["Berg", "Ng"]
    assert sorted(names(client, as_rep, owner=str(manager.id))) == ["Cruz", "Diaz"]
    assert sorted(names(client, as_rep, owner=manager.email)) == ["Cruz", "Diaz"]
    assert len(names(client, as_rep, owner=["me", manager.email])) == 4


def test_the_list_filters_by_rating(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    assert names(client, as_rep, rating="hot") == ["Ng"]
    assert sorted(names(client, as_rep, rating="Hot,Cold")) == ["Berg", "Ng"]


def test_the_list_filters_by_created_date_range_including_both_days(
    client: TestClient, as_rep: Headers, team: dict[str, int], core: Opportune
) -> None:
    backdate(core, team["Berg"], datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    backdate(core, team["Cruz"], datetime(2026, 3, 10, 0, 0, tzinfo=UTC))
    in_march = names(client, as_rep, created_from="2026-03-01", created_to="2026-03-10")
    assert sorted(in_march) == ["Berg", "Cruz"]
    assert names(client, as_rep, created_to="2026-03-01") == ["Berg"]
    assert sorted(names(client, as_rep, created_from="2026-03-02")) == ["Cruz", "Diaz", "Ng"]


def test_the_list_searches_name_company_and_email(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    assert sorted(names(client, as_rep, q="acme")) == ["Diaz", "Ng"]
    assert names(client, as_rep, q="nora@") == ["Ng"]
    assert names(client, as_rep, q="berg") == ["Berg"]
    assert names(client, as_rep, q="nobody") == []


def test_converted_leads_are_listed_only_on_request(
    client: TestClient, as_rep: Headers, team: dict[str, int], core: Opportune
) -> None:
    mark_converted(core, team["Ng"])
    assert "Ng" not in names(client, as_rep)
    assert "Ng" in names(client, as_rep, include_converted="true")


def test_the_list_shows_only_unread_leads_on_request(
    client: TestClient, as_admin: Headers, core: Opportune, admin: User, rep: User
) -> None:
    add(core, admin, "Assigned", owner_id=rep.id)
    add(core, admin, "Own")
    assert names(client, as_admin, unread="true") == ["Assigned"]


def test_the_list_sorts_by_a_field_either_way(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    assert names(client, as_rep, sort="last_name") == ["Berg", "Cruz", "Diaz", "Ng"]
    assert names(client, as_rep, sort="-last_name") == ["Ng", "Diaz", "Cruz", "Berg"]
    assert names(client, as_rep) == ["Diaz", "Cruz", "Berg", "Ng"]  # newest first


def test_pages_follow_cursors_forwards_and_back_without_gaps_or_duplicates(
    client: TestClient, as_rep: Headers, core: Opportune, rep: User
) -> None:
    for i in range(23):
        add(core, rep, f"Lead{i:02d}", company=f"Co {i % 3}")
    expected = sorted(f"Lead{i:02d}" for i in range(23))
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"sort": "company", "limit": 5}
    while True:
        body = client.get(LEADS, params=params, headers=as_rep).json()
        pages.append(body)
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    seen = [item["last_name"] for page in pages for item in page["items"]]
    assert sorted(seen) == expected
    assert len(pages) == 5
    assert pages[0]["prev_cursor"] is None
    back: list[str] = []
    cursor = pages[-1]["prev_cursor"]
    while cursor is not None:
        params = {"sort": "company", "limit": 5, "cursor": cursor}
        body = client.get(LEADS, params=params, headers=as_rep).json()
        back = [item["last_name"] for item in body["items"]] + back
        cursor = body["prev_cursor"]
    assert back == seen[:20]


@pytest.mark.parametrize(
    "params",
    [{"created_from": "0001-01-01", "created_to": "9999-12-31"}, {"limit": 2**70},
     {"q": "%_\\'"}, {"sort": "-rating"}, {"owner": "99999999999999999999"}],
)  # fmt: skip
def test_extreme_but_well_formed_filters_are_answered_without_a_server_error(
    client: TestClient, as_rep: Headers, team: dict[str, int], params: dict[str, object]
) -> None:
    response = client.get(LEADS, params=params, headers=as_rep)  # type: ignore[arg-type]
    assert response.status_code in {200, 422}, response.text


def test_the_total_is_counted_only_on_request(
    client: TestClient, as_rep: Headers, team: dict[str, int]
) -> None:
    plain = client.get(LEADS, params={"limit": 2}, headers=as_rep).json()
    assert plain["total"] is None
    counted = client.get(LEADS, params={"limit": 2, "with_total": "true"}, headers=as_rep).json()
    assert counted["total"] == 4
    assert len(counted["items"]) == 2
    filtered = client.get(LEADS, params={"with_total": "true", "owner": "me"}, headers=as_rep)
    assert filtered.json()["total"] == 2


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "Sleeping"}, "status", "INVALID_FILTER"),
        ({"lead_source": "Carrier pigeon"}, "lead_source", "INVALID_FILTER"),
        ({"owner": "ghost@example.com"}, "owner", "INVALID_FILTER"),
        ({"rating": "Lukewarm"}, "rating", "INVALID_FILTER"),
        ({"sort": "password"}, "sort", "INVALID_SORT"),
        ({"cursor": "not-a-cursor"}, "cursor", "INVALID_CURSOR"),
        ({"limit": 0}, "limit", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"limit": 100000}, "limit", "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"limit": "ten"}, "limit", "INVALID_TYPE"),
        ({"created_from": "yesterday"}, "created_from", "INVALID_TYPE"),
        ({"created_from": "2026-03-02", "created_to": "2026-03-01"}, "created_to", "INVALID_RANGE"),
        ({"include_converted": "perhaps"}, "include_converted", "INVALID_TYPE"),
        ({"colour": "red"}, "colour", "INVALID_FIELD"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(
    client: TestClient, as_rep: Headers, params: dict[str, object], field: str, code: str
) -> None:
    response = client.get(LEADS, params=params, headers=as_rep)  # type: ignore[arg-type]
    assert_error(response, 422, code, field)
