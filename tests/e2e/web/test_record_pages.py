"""The account, contact and opportunity pages as HTML: lists, new-record forms, record pages
with inline edits, related lists, the stage path, contact roles and the timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from opportune import Opportune, User
from opportune.services.accounts import AccountFilters
from opportune.services.opportunities import OpportunityFilters
from tests.e2e.web.conftest import SignIn

HX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Deal:
    """An account with two contacts and an opportunity on which Ann is primary."""

    account: int
    ann: int
    bo: int
    opportunity: int


@pytest.fixture
def deal(core: Opportune, rep: User) -> Deal:
    account = core.accounts.create(
        rep,
        {
            "name": "Acme Corp",
            "industry": "Retail",
            "billing_city": "Boston",
            "billing_street": "1 Main St",
        },
    )
    assert account.id is not None
    ann = core.contacts.create(
        rep, {"first_name": "Ann", "last_name": "Ng", "account_id": account.id}
    )
    bo = core.contacts.create(
        rep, {"first_name": "Bo", "last_name": "Smith", "account_id": account.id}
    )
    opp = core.opportunities.create(
        rep,
        {
            "name": "Acme renewal",
            "account_id": account.id,
            "close_date": "2030-06-30",
            "amount": "125000",
        },
    )
    assert ann.id and bo.id and opp.id
    core.opportunities.add_contact_role(
        rep, opp.id, {"contact_id": ann.id, "role": "Decision Maker", "is_primary": True}
    )
    return Deal(account.id, ann.id, bo.id, opp.id)


def hx(token: str) -> dict[str, str]:
    """Headers of an htmx request from a signed-in page."""
    return {**HX, "X-CSRF-Token": token}


def names_in(html: str) -> list[str]:
    """The record names linked from a list's rows, in order."""
    return re.findall(r'<td class="cell-name"><a href="/\w+/\d+">([^<]+)</a>', html)


# --- lists -------------------------------------------------------------------------------------


def test_the_account_list_searches_filters_by_owner_sorts_and_pages(
    client: TestClient, core: Opportune, rep: User, manager: User, sign_in: SignIn
) -> None:
    for i in range(30):
        owner = manager if i % 3 == 0 else rep
        core.accounts.create(rep, {"name": f"Firm {i:02d}", "owner_id": owner.id})
    core.accounts.create(rep, {"name": "Zephyr Logistics", "website": "zephyr.example"})
    sign_in(rep)
    first = client.get("/accounts")
    assert first.status_code == 200
    assert "<span data-total>31</span> accounts" in first.text
    assert names_in(first.text)[:3] == ["Firm 00", "Firm 01", "Firm 02"]
    next_url = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert next_url
    second = client.get(next_url.group(1).replace("&amp;", "&"), headers=HX)
    assert names_in(second.text) == [
        "Firm 25",
        "Firm 26",
        "Firm 27",
        "Firm 28",
        "Firm 29",
        "Zephyr Logistics",
    ]
    assert "<html" not in second.text and 'rel="prev"' in second.text
    assert names_in(client.get("/accounts?q=zephyr").text) == ["Zephyr Logistics"]
    mine = client.get(f"/accounts?owner={manager.id}&sort=-name", headers=HX)
    assert names_in(mine.text) == [f"Firm {i:02d}" for i in range(27, -1, -3)]
    assert mine.headers["HX-Push-Url"] == f"/accounts?owner={manager.id}&sort=-name"


def test_contact_and_opportunity_lists_show_accounts_and_refuse_bad_filters(
    client: TestClient, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    contacts = client.get("/contacts").text
    assert names_in(contacts) == ["Ann Ng", "Bo Smith"]
    assert f'<a href="/accounts/{deal.account}">Acme Corp</a>' in contacts
    opportunities = client.get("/opportunities?state=open").text
    assert names_in(opportunities) == ["Acme renewal"]
    assert "USD 125,000" in opportunities and "Prospecting" in opportunities
    assert names_in(client.get("/opportunities?state=lost").text) == []
    bad = client.get("/opportunities?stage=Nowhere&owner=nobody@example.com")
    assert bad.status_code == 422
    assert "Stage: Unknown stage &#39;Nowhere&#39;" in bad.text
    assert "Owner: Unknown owner &#39;nobody@example.com&#39;" in bad.text


# --- creating ----------------------------------------------------------------------------------


def test_the_new_opportunity_form_shows_every_error_next_to_its_field_and_creates_nothing(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    form = client.get(f"/opportunities/new?account_id={deal.account}").text
    assert f'value="Acme Corp (#{deal.account})"' in form
    data = {
        "csrf_token": token,
        "name": "",
        "account_id": "No Such Company",
        "close_date": "30/06/2030",
        "amount": "-5",
        "probability": "150",
    }
    response = client.post("/opportunities", data=data)
    assert response.status_code == 422
    html = response.text
    for field in ("name", "account_id", "close_date", "amount", "probability"):
        assert re.search(rf'id="f-{field}" name="{field}" aria-invalid="true"', html), field
        assert f'id="f-{field}-error"' in html
    assert "No account is named &#39;No Such Company&#39;; choose one from the list" in html
    assert 'value="No Such Company"' in html and 'value="150"' in html
    assert len(core.opportunities.list(rep, OpportunityFilters()).page.items) == 1


def test_a_new_contact_is_created_on_the_account_typed_by_name_and_opened(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    data = {
        "csrf_token": token,
        "last_name": "Okafor",
        "first_name": "Cy",
        "account_id": "acme corp",
        "do_not_call": "true",
        "mailing_city": "Lyon",
        "owner_id": str(rep.id),
    }
    response = client.post("/contacts", data=data)
    assert response.status_code == 303
    contact_id = int(response.headers["location"].rsplit("/", 1)[1])
    contact = core.contacts.get(rep, contact_id)
    assert (contact.account_id, contact.do_not_call, contact.mailing_city) == (
        deal.account,
        True,
        "Lyon",
    )
    page = client.get(response.headers["location"]).text
    assert "Contact Cy Okafor created." in page
    assert f'href="/accounts/{deal.account}">Acme Corp</a>' in page


def test_a_new_account_with_a_missing_name_is_refused(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    response = client.post(
        "/accounts", data={"csrf_token": token, "name": " ", "website": "x.example"}
    )
    assert response.status_code == 422
    assert re.search(r'id="f-name-error">.*Is required</p>', response.text)
    assert 'value="x.example"' in response.text
    assert core.accounts.list(rep, AccountFilters()).items == []


# --- record pages: inline edit, conflicts ------------------------------------------------------


def test_an_inline_edit_saves_the_field_and_refreshes_the_header_and_version(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    edit = client.get(f"/accounts/{deal.account}/fields/phone/edit", headers=HX)
    assert 'id="f-phone" name="phone"' in edit.text and 'hx-include="#record-version"' in edit.text
    response = client.post(
        f"/accounts/{deal.account}/fields/phone",
        data={"phone": "+1 617 555 0199", "expected_version": "1"},
        headers=hx(token),
    )
    assert response.status_code == 200
    assert "+1 617 555 0199" in response.text
    assert (
        'id="record-header" class="card lead-header record-header" hx-swap-oob="true"'
        in response.text
    )
    assert 'id="record-version" name="expected_version" value="2"' in response.text
    assert response.headers["HX-Trigger"] == '{"opportune:toast": "Phone saved"}'
    assert core.accounts.get(rep, deal.account).phone == "+1 617 555 0199"


def test_a_bad_inline_value_keeps_the_input_open_with_its_error_and_changes_nothing(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    url = f"/opportunities/{deal.opportunity}/fields/probability"
    response = client.post(
        url, data={"probability": "150", "expected_version": "1"}, headers=hx(token)
    )
    assert response.status_code == 422
    assert re.search(r'id="f-probability" name="probability" aria-invalid="true"', response.text)
    assert 'id="f-probability-error"' in response.text and 'value="150"' in response.text
    address = client.post(
        f"/accounts/{deal.account}/fields/billing",
        data={"billing_street": "2 Elm St", "billing_postal_code": "x" * 30},
        headers=hx(token),
    )
    assert address.status_code == 422
    assert "Postal code:" in address.text
    assert re.search(
        r'id="f-billing_postal_code" name="billing_postal_code" aria-invalid', address.text
    )
    assert 'id="f-billing_street" name="billing_street" aria-invalid' not in address.text
    assert core.opportunities.get(rep, deal.opportunity).probability == 10
    assert core.accounts.get(rep, deal.account).billing_street == "1 Main St"


def test_an_edit_made_on_a_stale_page_is_refused_with_the_conflict_message(
    client: TestClient, core: Opportune, deal: Deal, rep: User, manager: User, sign_in: SignIn
) -> None:
    core.sharing.set_org_default(None, "contact", "read_write")  # the manager may edit it
    token = sign_in(rep)
    assert 'name="expected_version" value="1"' in client.get(f"/contacts/{deal.ann}").text
    core.contacts.update(manager, deal.ann, {"title": "CTO"})
    response = client.post(
        f"/contacts/{deal.ann}/fields/title",
        data={"title": "CEO", "expected_version": "1"},
        headers=hx(token),
    )
    assert response.status_code == 409
    assert "was changed by someone else" in response.text and "data-error-message" in response.text
    assert core.contacts.get(rep, deal.ann).title == "CTO"


def test_a_reference_is_edited_by_name_and_links_to_the_account(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    other = core.accounts.create(rep, {"name": "Globex"})
    token = sign_in(rep)
    options = client.get("/accounts/options?for=account_id&account_id=glob", headers=HX).text
    assert f'<option value="Globex (#{other.id})">' in options
    response = client.post(
        f"/contacts/{deal.bo}/fields/account_id",
        data={"account_id": f"Globex (#{other.id})"},
        headers=hx(token),
    )
    assert response.status_code == 200
    assert f'href="/accounts/{other.id}">Globex</a>' in response.text
    refused = client.post(
        f"/accounts/{deal.account}/fields/parent_account_id",
        data={"parent_account_id": "Acme Corp"},
        headers=hx(token),
    )
    assert refused.status_code == 422
    assert "An account cannot be its own parent" in refused.text
    assert core.contacts.get(rep, deal.bo).account_id == other.id


# --- related lists and timeline ----------------------------------------------------------------


def test_the_account_page_lists_its_contacts_and_opportunities_with_prefilled_new_buttons(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    elsewhere = core.accounts.create(rep, {"name": "Globex"})
    core.contacts.create(rep, {"last_name": "Outsider", "account_id": elsewhere.id})
    sign_in(rep)
    html = client.get(f"/accounts/{deal.account}").text
    contacts = html.split('id="related-contacts"')[1].split("</section>")[0]
    assert names_in(contacts) == ["Ann Ng", "Bo Smith"]
    opportunities = html.split('id="related-opportunities"')[1].split("</section>")[0]
    assert names_in(opportunities) == ["Acme renewal"]
    assert "USD 125,000" in opportunities and "Jun 30, 2030" in opportunities
    assert f'href="/contacts/new?account_id={deal.account}"' in html
    assert f'href="/opportunities/new?account_id={deal.account}"' in html
    assert f'hx-get="/activities/panel?account_id={deal.account}"' in html
    assert "1 Main St" in html and "Boston" in html


def test_the_contact_page_shows_its_account_and_its_opportunity_roles(
    client: TestClient, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    html = client.get(f"/contacts/{deal.ann}").text
    assert f'<a href="/accounts/{deal.account}"><strong>Acme Corp</strong></a>' in html
    roles = html.split('id="related-opportunities"')[1].split("</section>")[0]
    assert names_in(roles) == ["Acme renewal"]
    assert "Decision Maker" in roles and "Primary" in roles
    assert "no role in any opportunity" in client.get(f"/contacts/{deal.bo}").text


def test_the_timeline_shows_a_change_with_labels_who_and_when(
    client: TestClient, core: Opportune, deal: Deal, rep: User, manager: User, sign_in: SignIn
) -> None:
    core.sharing.set_org_default(None, "opportunity", "read_write")  # both see and edit it
    core.opportunities.update(
        manager, deal.opportunity, {"stage": "Qualification", "owner_id": manager.id}
    )
    sign_in(rep)
    html = client.get(f"/opportunities/{deal.opportunity}/timeline", headers=HX).text
    assert re.search(
        r"<strong>Stage</strong>\s*<span class=\"timeline-values\"><span class=\"old\">"
        r"Prospecting</span> .*<span class=\"new\">Qualification</span>",
        html,
    )
    assert (
        '<span class="old">Rae Rep</span>' in html
        and '<span class="new">Max Manager</span>' in html
    )
    assert "Max Manager · <time" in html
    lead = core.leads.create(rep, {"last_name": "Lee", "company": "Initech"})
    core.leads.update(rep, lead.id or 0, {"company": "Initrode"})
    lead_page = client.get(f"/leads/{lead.id}").text
    assert f'hx-get="/leads/{lead.id}/timeline"' in lead_page
    assert f'hx-get="/activities/panel?lead_id={lead.id}"' in lead_page
    lead_timeline = client.get(f"/leads/{lead.id}/timeline", headers=HX).text
    assert '<span class="old">Initech</span>' in lead_timeline and "Company" in lead_timeline


# --- the stage path and contact roles ----------------------------------------------------------


def test_closing_as_lost_needs_a_reason_and_then_records_it(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    url = f"/opportunities/{deal.opportunity}/stage"
    prompt = client.get(f"{url}/lost?stage=Closed+Lost", headers=HX).text
    assert "Why was this opportunity lost?" in prompt and '<option value="Competitor">' in prompt
    refused = client.post(
        url, data={"stage": "Closed Lost", "expected_version": "1"}, headers=hx(token)
    )
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#stage-panel"
    assert "A lost reason is required to close as &#39;Closed Lost&#39;" in refused.text
    assert not core.opportunities.get(rep, deal.opportunity).is_closed
    closed = client.post(
        url,
        data={"stage": "Closed Lost", "lost_reason": "Price", "expected_version": "1"},
        headers=hx(token),
    )
    assert closed.status_code == 200
    assert 'aria-current="step" title="Closed Lost"' in closed.text
    assert "Closed lost:</strong> Price." in closed.text
    assert closed.headers["HX-Trigger"] == '{"opportune:toast": "Stage set to Closed Lost"}'
    opp = core.opportunities.get(rep, deal.opportunity)
    assert (opp.is_closed, opp.is_won, opp.probability) == (True, False, 0)


def test_a_stage_move_from_a_stale_page_is_a_conflict(
    client: TestClient, core: Opportune, deal: Deal, rep: User, manager: User, sign_in: SignIn
) -> None:
    core.sharing.set_org_default(None, "opportunity", "read_write")  # the manager may edit it
    token = sign_in(rep)
    core.opportunities.update(manager, deal.opportunity, {"stage": "Qualification"})
    response = client.post(
        f"/opportunities/{deal.opportunity}/stage",
        data={"stage": "Closed Won", "expected_version": "1"},
        headers=hx(token),
    )
    assert response.status_code == 409
    assert not core.opportunities.get(rep, deal.opportunity).is_closed


def test_contact_roles_are_added_and_a_second_primary_is_refused_clearly(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    url = f"/opportunities/{deal.opportunity}/roles"
    refused = client.post(
        url,
        data={"contact_id": str(deal.bo), "role": "Evaluator", "is_primary": "true"},
        headers=hx(token),
    )
    assert refused.status_code == 422
    alert = 'role="alert" id="role-error">Only one contact role can be primary</div>'
    assert alert in refused.text
    assert len(core.opportunities.contact_roles(rep, deal.opportunity)) == 1
    added = client.post(
        url, data={"contact_id": str(deal.bo), "role": "Evaluator"}, headers=hx(token)
    )
    assert added.status_code == 200
    assert (
        "Bo Smith" in added.text
        and added.headers["HX-Trigger"] == '{"opportune:toast": "Contact role added"}'
    )
    roles = core.opportunities.contact_roles(rep, deal.opportunity)
    bo_role = next(r for r in roles if r.contact_id == deal.bo)
    removed = client.post(f"{url}/{bo_role.id}/delete", headers=hx(token))
    assert removed.status_code == 200 and "Bo Smith</strong>" not in removed.text
    assert [r.contact_id for r in core.opportunities.contact_roles(rep, deal.opportunity)] == [
        deal.ann
    ]


def test_the_primary_contact_moves_by_unmarking_one_and_marking_another(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    bo_role = core.opportunities.add_contact_role(
        rep, deal.opportunity, {"contact_id": deal.bo, "role": "Evaluator"}
    )
    ann_role = next(
        r for r in core.opportunities.contact_roles(rep, deal.opportunity) if r.is_primary
    )
    url = f"/opportunities/{deal.opportunity}/roles"
    early = client.post(
        f"{url}/{bo_role.id}/primary", data={"is_primary": "true"}, headers=hx(token)
    )
    assert early.status_code == 422 and "Only one contact role can be primary" in early.text
    unmarked = client.post(
        f"{url}/{ann_role.id}/primary", data={"is_primary": "false"}, headers=hx(token)
    )
    assert unmarked.headers["HX-Trigger"] == '{"opportune:toast": "Primary contact unmarked"}'
    marked = client.post(
        f"{url}/{bo_role.id}/primary", data={"is_primary": "true"}, headers=hx(token)
    )
    assert marked.status_code == 200
    primary = [
        r.contact_id
        for r in core.opportunities.contact_roles(rep, deal.opportunity)
        if r.is_primary
    ]
    assert primary == [deal.bo]


# --- errors --------------------------------------------------------------------------------------


def test_missing_records_show_the_404_page(client: TestClient, rep: User, sign_in: SignIn) -> None:
    sign_in(rep)
    for url in (
        "/accounts/999",
        "/contacts/999",
        "/opportunities/999",
        "/accounts/99999999999999",
        "/opportunities/999/timeline",
        "/contacts/999/fields/title/edit",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text
    assert "Opportunity 999 does not exist" in client.get("/opportunities/999").text
    assert client.get("/accounts/1/fields/no_such_field/edit").status_code == 404


def test_every_change_needs_the_csrf_token(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    sign_in(rep)
    posts = [
        ("/accounts", {"name": "Sneaky"}),
        (f"/accounts/{deal.account}/fields/name", {"name": "Renamed"}),
        (f"/opportunities/{deal.opportunity}/stage", {"stage": "Closed Won"}),
        (f"/opportunities/{deal.opportunity}/roles", {"contact_id": str(deal.bo)}),
        (f"/contacts/{deal.bo}/delete", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data, headers=HX).status_code == 403, url
    assert core.accounts.get(rep, deal.account).name == "Acme Corp"
    assert not core.opportunities.get(rep, deal.opportunity).is_closed
    assert core.contacts.get(rep, deal.bo).last_name == "Smith"


def test_deleting_a_record_asks_first_and_an_account_goes_to_the_bin_with_its_records(
    client: TestClient, core: Opportune, deal: Deal, rep: User, sign_in: SignIn
) -> None:
    token = sign_in(rep)
    page = client.get(f"/opportunities/{deal.opportunity}").text
    assert (
        'hx-confirm="Delete the opportunity Acme renewal? It goes to the recycle bin, with '
        'what belongs to it, until restored or purged."' in page
    )
    gone = client.post(f"/opportunities/{deal.opportunity}/delete", headers=hx(token))
    assert (gone.status_code, gone.headers["HX-Redirect"]) == (204, "/opportunities")
    assert "Opportunity Acme renewal deleted." in client.get("/opportunities").text
    account = client.post(f"/accounts/{deal.account}/delete", headers=hx(token))
    assert (account.status_code, account.headers["HX-Redirect"]) == (204, "/accounts")
    entry = core.recycle_bin.find(rep, "account", deal.account)
    assert entry.related_count >= 2  # its two contacts (and what belongs to them)
