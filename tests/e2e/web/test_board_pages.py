"""The pipeline board as HTML: columns with totals, filters, "Load more" and moving cards."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, Opportunity, User
from opportune.web.routes.board import period_bounds
from tests.e2e.web.conftest import SignIn

HX = {"HX-Request": "true"}
OPEN_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
    "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review",
)  # fmt: skip
TODAY = datetime.now(UTC).date()


class Answer(Protocol):
    """What the tests read of a response (httpx's or httpx2's)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@pytest.fixture
def account(core: Opportune, rep: User) -> int:
    created = core.accounts.create(rep, {"name": "Northwind Traders"})
    assert created.id is not None
    return created.id


def make(core: Opportune, owner: User, account: int, name: str, **data: object) -> Opportunity:
    values: dict[str, object] = {"name": name, "account_id": account, "owner_id": owner.id,
                                 "close_date": TODAY + timedelta(days=30), **data}  # fmt: skip
    return core.opportunities.create(owner, values)


def stage_id(core: Opportune, label: str) -> int:
    return next(s.id for s in core.pipeline.stages() if s.label == label)


def element(html: str, element_id: str) -> str:
    """The text from the element with this id to the end of its tag's first closing."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:])
    assert name is not None
    return html[tag : html.index(f"</{name.group(1)}>", start)]


def text(fragment: str) -> str:
    """The words of an HTML fragment, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def card_names(html: str, stage: int) -> list[str]:
    """The names on a column's cards, in order."""
    column = html[html.index(f'data-stage-id="{stage}" aria-labelledby="column-title') :]
    column = column[: column.index("</section>")]
    return re.findall(r'class="card-name"[^>]*>([^<]+)</a>', column)


def move(
    client: TestClient, token: str, opp: Opportunity, stage: int, query: str = "", **extra: object
) -> Answer:
    data = {"stage_id": str(stage), "version": str(opp.version), **extra}
    return client.post(f"/pipeline/opportunities/{opp.id}/move{query}", data=data,
                       headers={**HX, "X-CSRF-Token": token})  # fmt: skip


# --- the page ------------------------------------------------------------------------------


def test_the_board_shows_every_open_stage_with_its_totals_the_drop_zones_and_the_cards(
    client: TestClient, core: Opportune, rep: User, account: int, sign_in: SignIn
) -> None:
    first = make(core, rep, account, "Acme rollout", amount="1000")
    late = make(core, rep, account, "Overdue deal", amount="500.50", close_date="2020-01-15")
    make(core, rep, account, "Big close", stage="Negotiation/Review", amount="20000")
    make(core, rep, account, "Won deal", stage="Closed Won", amount="5000")
    sign_in(rep)

    response = client.get("/pipeline")

    assert response.status_code == 200
    html = response.text
    titles = re.findall(r'<h2 id="column-title-\d+">([^<]+)</h2>', html)
    assert tuple(t.replace("&amp;", "&") for t in titles) == OPEN_STAGES
    prospecting = text(element(html, f"column-head-{stage_id(core, 'Prospecting')}"))
    assert "Prospecting 2 opportunities" in prospecting
    assert "Amount USD 1,500.50 Expected USD 150.05" in prospecting
    negotiation = text(element(html, f"column-head-{stage_id(core, 'Negotiation/Review')}"))
    assert "Amount USD 20,000 Expected USD 18,000" in negotiation
    assert "Closed Won 1 opportunity · USD 5,000" in text(element(html, "zone-head-won"))
    assert "Closed Lost 0 opportunities · USD 0" in text(element(html, "zone-head-lost"))
    assert "3 open opportunities · USD 21,500.50 in amount" in text(element(html, "board-summary"))
    assert card_names(html, stage_id(core, "Prospecting")) == ["Overdue deal", "Acme rollout"]
    card = text(element(html, f"opp-{first.id}"))
    assert "Acme rollout Northwind Traders USD 1,000 RR Owner: Rae Rep" in card
    assert f'href="/opportunities/{first.id}"' in element(html, f"opp-{first.id}")
    overdue = element(html, f"opp-{late.id}")
    assert "is-overdue" in overdue and "Overdue:" in text(overdue)
    assert "is-overdue" not in element(html, f"opp-{first.id}")
    assert "No opportunities at this stage yet." in html
    assert 'id="lost-dialog"' in html and '<option value="Price">Price</option>' in html


def test_filters_by_owner_and_close_period_are_kept_in_the_url(
    client: TestClient, core: Opportune, manager: User, rep: User, account: int, sign_in: SignIn
) -> None:
    # Opportunities public read-only, so the rep's board shows the manager's cards too.
    core.sharing.set_org_default(None, "opportunity", "read")
    make(core, rep, account, "Mine this month", close_date=TODAY)
    make(core, rep, account, "Mine next year", close_date=date(TODAY.year + 1, 6, 1))
    make(core, manager, account, "Theirs this month", close_date=TODAY)
    prospecting = stage_id(core, "Prospecting")
    sign_in(rep)

    mine = client.get("/pipeline?owner=me").text
    assert card_names(mine, prospecting) == ["Mine this month", "Mine next year"]
    assert '<option value="me" selected>Me</option>' in mine
    theirs = client.get(f"/pipeline?owner={manager.id}&period=this-month").text
    assert card_names(theirs, prospecting) == ["Theirs this month"]
    assert '<option value="this-month" selected>This month</option>' in theirs

    fragment = client.get("/pipeline?period=custom&close_from=2000-01-01&owner=", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.headers["HX-Push-Url"] == "/pipeline?period=custom&close_from=2000-01-01"
    assert len(card_names(fragment.text, prospecting)) == 3
    # A custom range only counts with the custom period.
    ignored = client.get(f"/pipeline?period=this-month&close_from={TODAY.year + 1}-01-01").text
    assert card_names(ignored, prospecting) == ["Mine this month", "Theirs this month"]


def test_bad_filters_are_named_with_a_422_and_a_way_out(
    client: TestClient, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    response = client.get("/pipeline?owner=ghost&period=custom&close_from=31/12/2026")
    assert response.status_code == 422
    assert "From: &#39;31/12/2026&#39; is not a date (YYYY-MM-DD)" in response.text
    bad_owner = client.get("/pipeline?owner=ghost&period=soon")
    assert bad_owner.status_code == 422
    assert "Close period: Choose one of: Any close date, This month" in bad_owner.text
    backwards = client.get("/pipeline?period=custom&close_from=2026-05-01&close_to=2026-04-01")
    assert "To: Must not be before From" in backwards.text
    unknown = client.get("/pipeline?owner=ghost@example.com").text
    assert "Owner: Unknown owner &#39;ghost@example.com&#39;" in unknown
    assert '<a href="/pipeline">Clear the filters</a>' in unknown


@pytest.mark.parametrize(
    ("period", "today", "bounds"),
    [
        ("this-month", date(2026, 11, 27), (date(2026, 11, 1), date(2026, 11, 30))),
        ("this-month", date(2024, 2, 10), (date(2024, 2, 1), date(2024, 2, 29))),
        ("this-quarter", date(2026, 11, 27), (date(2026, 10, 1), date(2026, 12, 31))),
        ("next-quarter", date(2026, 11, 27), (date(2027, 1, 1), date(2027, 3, 31))),
        ("next-quarter", date(2026, 2, 1), (date(2026, 4, 1), date(2026, 6, 30))),
        ("this-year", date(2026, 11, 27), (date(2026, 1, 1), date(2026, 12, 31))),
        ("all", date(2026, 11, 27), (None, None)),
    ],
)
def test_close_periods_run_from_their_first_to_their_last_day(
    period: str, today: date, bounds: tuple[date | None, date | None]
) -> None:
    assert period_bounds(period, today) == bounds


def test_load_more_brings_the_next_cards_of_one_column(
    client: TestClient, core: Opportune, rep: User, account: int, sign_in: SignIn
) -> None:
    for i in range(28):
        make(core, rep, account, f"Deal {i:02}", stage="Needs Analysis",
             close_date=TODAY + timedelta(days=i))  # fmt: skip
    needs = stage_id(core, "Needs Analysis")
    sign_in(rep)

    html = client.get("/pipeline?owner=me").text
    assert card_names(html, needs) == [f"Deal {i:02}" for i in range(25)]
    assert "28 opportunities" in text(element(html, f"column-head-{needs}"))
    more_url = re.search(r'hx-get="(/pipeline/columns/\d+\?[^"]+)"', html)
    assert more_url is not None
    url = more_url.group(1).replace("&amp;", "&")
    assert url.startswith(f"/pipeline/columns/{needs}?owner=me&cursor=")

    more = client.get(url, headers=HX)
    assert more.status_code == 200
    assert re.findall(r'class="card-name"[^>]*>([^<]+)</a>', more.text) == [
        "Deal 25", "Deal 26", "Deal 27",
    ]  # fmt: skip
    assert "Load more" not in more.text and "<html" not in more.text
    broken = client.get(f"/pipeline/columns/{needs}?cursor=garbage", headers=HX)
    assert broken.status_code == 422 and "data-error-message" in broken.text
    assert client.get("/pipeline/columns/99999", headers=HX).status_code == 404


# --- moving cards ----------------------------------------------------------------------------


def test_moving_a_card_saves_it_and_answers_with_the_card_and_every_header(
    client: TestClient, core: Opportune, rep: User, account: int, sign_in: SignIn
) -> None:
    opp = make(core, rep, account, "Acme rollout", amount="1000")
    make(core, rep, account, "Stays", amount="300")
    token = sign_in(rep)
    qualification = stage_id(core, "Qualification")

    response = move(client, token, opp, qualification, "?owner=me")

    assert response.status_code == 200
    html = response.text
    stored = core.opportunities.get(rep, opp.id or 0)
    assert (stored.stage_id, stored.version) == (qualification, opp.version + 1)
    head = text(element(html, f"column-head-{qualification}"))
    assert "Qualification 1 opportunity Amount USD 1,000 Expected USD 100" in head
    before = text(element(html, f"column-head-{stage_id(core, 'Prospecting')}"))
    assert "Prospecting 1 opportunity Amount USD 300" in before
    card = element(html, f"opp-{opp.id}")
    assert f'data-version="{stored.version}"' in card
    assert f'data-stage-id="{qualification}"' in card and "Northwind Traders" in card
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger == {"opportune:toast": "Acme rollout moved to Qualification"}


def test_closing_as_lost_needs_a_reason_and_without_one_nothing_changes(
    client: TestClient, core: Opportune, rep: User, account: int, sign_in: SignIn
) -> None:
    opp = make(core, rep, account, "Lost cause", amount="700")
    token = sign_in(rep)
    lost = stage_id(core, "Closed Lost")

    refused = move(client, token, opp, lost)
    assert refused.status_code == 422
    assert "Choose a lost reason to close this opportunity as lost." in refused.text
    assert core.opportunities.get(rep, opp.id or 0) == opp

    unknown = move(client, token, opp, lost, lost_reason="Bad luck")
    assert unknown.status_code == 422
    assert "Lost reason: Must be one of: Price, Competitor" in unknown.text

    closed = move(client, token, opp, lost, lost_reason="Competitor")
    assert closed.status_code == 200
    stored = core.opportunities.get(rep, opp.id or 0)
    assert (stored.stage_id, stored.is_closed, stored.is_won) == (lost, True, False)
    assert stored.lost_reason_id == next(
        r.id for r in core.pipeline.lost_reasons() if r.label == "Competitor"
    )
    html = closed.text
    assert "data-moved-card" not in html  # a closed card leaves the board
    assert "Closed Lost 1 opportunity · USD 700" in text(element(html, "zone-head-lost"))


def test_a_stale_version_gets_a_409_and_changes_nothing(
    client: TestClient, core: Opportune, rep: User, manager: User, account: int, sign_in: SignIn
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    opp = make(core, rep, account, "Contested")
    core.opportunities.update(manager, opp.id or 0, {"stage": "Needs Analysis"})
    token = sign_in(rep)

    response = move(client, token, opp, stage_id(core, "Qualification"))

    assert response.status_code == 409
    assert "was changed by someone else" in response.text
    assert "data-error-message" in response.text
    stored = core.opportunities.get(rep, opp.id or 0)
    assert (stored.stage_id, stored.version) == (stage_id(core, "Needs Analysis"), 2)


def test_unknown_or_inactive_stages_and_bad_requests_are_refused(
    client: TestClient, core: Opportune, admin: User, rep: User, account: int, sign_in: SignIn
) -> None:
    opp = make(core, rep, account, "Steady")
    qualification = stage_id(core, "Qualification")
    core.pipeline.save_stage(admin, {"is_active": False}, qualification)
    token = sign_in(rep)

    unknown = move(client, token, opp, 9999)
    assert unknown.status_code == 422
    assert "Stage: Unknown stage; reload the board" in unknown.text
    inactive = move(client, token, opp, qualification)
    assert inactive.status_code == 422
    assert "Stage: &#39;Qualification&#39; is no longer in use; reload the board" in inactive.text
    no_version = client.post(f"/pipeline/opportunities/{opp.id}/move",
                             headers={**HX, "X-CSRF-Token": token},
                             data={"stage_id": str(stage_id(core, "Needs Analysis"))})  # fmt: skip
    assert no_version.status_code == 422 and "Version: Missing; reload the board" in no_version.text
    missing = move(client, token, Opportunity("x", account, 1, TODAY, rep.id or 0, "USD", id=4242),
                   stage_id(core, "Needs Analysis"))  # fmt: skip
    assert missing.status_code == 404
    no_csrf = client.post(f"/pipeline/opportunities/{opp.id}/move", headers=HX,
                          data={"stage_id": "3", "version": "1"})  # fmt: skip
    assert no_csrf.status_code == 403
    assert core.opportunities.get(rep, opp.id or 0) == opp
    assert "Qualification" not in re.findall(r'<h2 id="column-title-\d+">([^<]+)</h2>',
                                             client.get("/pipeline").text)  # fmt: skip


def test_a_plain_form_post_moves_the_card_and_goes_back_to_the_filtered_board(
    client: TestClient, core: Opportune, rep: User, account: int, sign_in: SignIn
) -> None:
    opp = make(core, rep, account, "No script")
    token = sign_in(rep)
    won = stage_id(core, "Closed Won")
    data = {"stage_id": str(won), "version": str(opp.version), "csrf_token": token}

    response = client.post(f"/pipeline/opportunities/{opp.id}/move?owner=me", data=data)

    assert response.status_code == 303
    assert response.headers["location"] == "/pipeline?owner=me"
    assert core.opportunities.get(rep, opp.id or 0).is_won


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/pipeline?owner=me")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/pipeline%3Fowner%3Dme"
