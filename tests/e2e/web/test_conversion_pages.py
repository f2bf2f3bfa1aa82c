"""Converting a lead on its page, as HTML: the dialog with suggestions, the live preview,
converting (and refusals that change nothing), the converted lead's panel, and undo."""

from __future__ import annotations

import html as html_text
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opportune import Opportune, User
from opportune.db import tables as t
from tests.e2e.web.conftest import SignIn
from tests.snapshots import all_but_conversion_records

HX = {"HX-Request": "true"}
CONVERTED = "Closed - Converted"
LEAD = {
    "first_name": "Ada", "last_name": "Ng", "company": "Acme Hardware",
    "email": "ada@acme.example", "phone": "+1 555 0100", "website": "acme.example",
    "title": "CTO", "lead_source": "Web", "description": "Met at the fair",
}  # fmt: skip


@dataclass(frozen=True)
class Scene:
    """A lead of Acme Hardware; the account Acme Hardware Inc (an exact duplicate by name,
    with a contact and an open opportunity); Globex, with an Ada Ng of the same phone."""

    lead: int
    acme: int
    olga: int
    expansion: int
    globex: int
    globex_ada: int


def _id(value: int | None) -> int:
    assert value is not None
    return value


@pytest.fixture
def scene(core: Opportune, rep: User) -> Scene:
    acme = core.accounts.create(rep, {"name": "Acme Hardware Inc", "industry": "Retail"})
    olga = core.contacts.create(rep, {"first_name": "Olga", "last_name": "Old",
                                      "account_id": acme.id})  # fmt: skip
    expansion = core.opportunities.create(
        rep, {"name": "Acme expansion", "account_id": acme.id, "close_date": "2030-06-30"}
    )
    globex = core.accounts.create(rep, {"name": "Globex"})
    same_name = {"first_name": "Ada", "last_name": "Ng", "phone": LEAD["phone"]}
    globex_ada = core.contacts.create(rep, {**same_name, "account_id": globex.id})
    lead = core.leads.create(rep, LEAD)
    return Scene(_id(lead.id), _id(acme.id), _id(olga.id), _id(expansion.id), _id(globex.id),
                 _id(globex_ada.id))  # fmt: skip


def counts(core: Opportune) -> dict[str, int]:
    """How many rows each table holds, to show that a refusal changed nothing."""
    with core.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        }


def choices(scene: Scene, **changes: str) -> dict[str, str]:
    """The dialog's form as it opens for the scene's lead, with ``changes``."""
    form = {"converted_status": CONVERTED, "account": str(scene.acme), "account_id": "",
            "contact": "new", "opportunity": "new",
            "opportunity_name": LEAD["company"]}  # fmt: skip
    return {**form, **changes}


def hx(token: str) -> dict[str, str]:
    """htmx's headers, with the session's CSRF token."""
    return {**HX, "X-CSRF-Token": token}


def section(html: str, legend: str) -> str:
    """The dialog's fieldset whose legend is ``legend``."""
    found = re.search(rf"<legend>{legend}</legend>(.*?)</fieldset>", html, re.S)
    assert found, f"no {legend} choice"
    return found.group(1)


def preview(html: str) -> str:
    """The dialog's preview of what converting will do."""
    found = re.search(r'<section class="convert-preview".*?</section>', html, re.S)
    assert found
    return found.group(0)


def text(html: str) -> str:
    """The words of ``html`` a screen reader says, tags and spacing collapsed."""
    spoken = re.sub(r'<span aria-hidden="true">[^<]*</span>', " ", html)
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", spoken)).split())


def test_the_dialog_suggests_existing_records_and_merges_into_the_exact_duplicate(
    client: TestClient, sign_in: SignIn, rep: User, scene: Scene
) -> None:
    sign_in(rep)
    page = client.get(f"/leads/{scene.lead}").text
    assert f'hx-get="/leads/{scene.lead}/convert"' in page
    response = client.get(f"/leads/{scene.lead}/convert", headers=HX)
    assert response.status_code == 200
    html = response.text
    assert html.startswith("<dialog") and "data-convert-dialog" in html
    account = section(html, "Account")
    assert "Create new account <strong>Acme Hardware</strong>" in account
    merge = rf'value="{scene.acme}" checked>\s*<span>Merge into <strong>Acme Hardware Inc</strong>'
    assert re.search(merge + r'\s*<span class="badge badge-duplicate">Exact duplicate', account)
    assert "Suggested: same company name" in account
    contact = text(section(html, "Contact"))
    assert "Merge into Ada Ng at Globex" in contact and "Suggested: same name" in contact
    assert "Merge into Olga Old at Acme Hardware Inc" in contact  # a contact of the account
    assert "Attach to Acme expansion" in text(section(html, "Opportunity"))
    shown = text(preview(html))
    assert "Will merge into account Acme Hardware Inc" in shown
    assert "Phone : empty becomes +1 555 0100" in shown
    assert "Account source : empty becomes Web" in shown
    assert "Industry" not in shown  # the account has one: not filled
    assert "Will create contact Ada Ng" in shown
    assert "Will create opportunity Acme Hardware" in shown
    kept = shown.split("Kept on the lead")[1]
    assert "Company Acme Hardware" in kept and "Met at the fair" not in kept  # the contact has it
    assert 'id="cv-convert"' in html and "disabled" not in html.split('id="cv-convert"')[1]


def test_the_preview_follows_each_choice(
    client: TestClient, sign_in: SignIn, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    url = f"/leads/{scene.lead}/convert/preview"
    refused = client.post(url, headers=hx(token), data=choices(scene, account="new"))
    assert refused.status_code == 422
    account = text(section(refused.text, "Account"))
    assert f"Account Acme Hardware Inc (#{scene.acme}) already exists" in account
    assert "tick “Create a duplicate anyway”" in account
    assert re.search(r'id="cv-convert"[^>]*disabled', refused.text)
    assert "Nothing to preview" in refused.text

    allowed = client.post(url, headers=hx(token),
                          data=choices(scene, account="new", allow_duplicates="true"))  # fmt: skip
    assert allowed.status_code == 200
    assert "Will create account Acme Hardware" in text(preview(allowed.text))

    merged = client.post(url, headers=hx(token), data=choices(
        scene, account="other", account_id=f"Globex (#{scene.globex})",
        contact=str(scene.globex_ada), opportunity="none"))  # fmt: skip
    assert merged.status_code == 200
    shown = text(preview(merged.text))
    assert "Will merge into account Globex" in shown and "Will merge into contact Ada Ng" in shown
    assert "Email : empty becomes ada@acme.example" in shown
    assert "No opportunity is created" in shown
    assert "Olga Old" not in merged.text  # the contacts offered follow the account
    assert re.search(r'value="other" checked', merged.text)


def test_attaching_to_an_open_opportunity_of_the_account_previews_a_merge(
    client: TestClient, sign_in: SignIn, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    data = choices(scene, opportunity=str(scene.expansion), contact=str(scene.olga))
    response = client.post(f"/leads/{scene.lead}/convert/preview", headers=hx(token), data=data)
    assert response.status_code == 200
    shown = text(preview(response.text))
    assert "Will merge into opportunity Acme expansion" in shown
    assert "Will merge into contact Olga Old" in shown
    assert "Title : empty becomes CTO" in shown
    # Switching to a new account drops choices that belonged to the old one.
    moved = client.post(f"/leads/{scene.lead}/convert/preview", headers=hx(token),
                        data={**data, "account": "new", "allow_duplicates": "true"})  # fmt: skip
    assert moved.status_code == 200
    assert 'value="new" checked>\n          <span>Create new contact' in moved.text
    assert "Will create opportunity Acme Hardware" in text(preview(moved.text))


def test_a_contact_of_another_account_is_refused_next_to_the_contact_choice(
    client: TestClient, sign_in: SignIn, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    data = choices(scene, contact=str(scene.globex_ada))
    response = client.post(f"/leads/{scene.lead}/convert/preview", headers=hx(token), data=data)
    assert response.status_code == 422
    contact = text(section(response.text, "Contact"))
    assert f"Contact {scene.globex_ada} does not belong to account {scene.acme}" in contact
    assert "does not belong" not in text(section(response.text, "Account"))
    assert re.search(r'id="cv-convert"[^>]*disabled', response.text)


def test_an_account_typed_in_the_search_box_must_exist(
    client: TestClient, sign_in: SignIn, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    url = f"/leads/{scene.lead}/convert/preview"
    for typed, message in (("", "Type the name of the account"),
                           ("Initech", "No account is named 'Initech'")):  # fmt: skip
        response = client.post(url, headers=hx(token),
                               data=choices(scene, account="other", account_id=typed))  # fmt: skip
        assert response.status_code == 422
        assert message in text(section(response.text, "Account"))
    # The search box reuses the record pages' account options.
    options = client.get("/accounts/options", params={"for": "account_id", "account_id": "glob"})
    assert f'<option value="Globex (#{scene.globex})">' in options.text


def test_converting_links_to_the_records_and_swaps_in_the_converted_lead(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    data = choices(scene, opportunity_name="Acme Hardware - tools")
    response = client.post(f"/leads/{scene.lead}/convert", headers=hx(token), data=data)
    assert response.status_code == 200, response.text
    assert response.headers["HX-Trigger"] == '{"opportune:toast": "Lead Ada Ng converted"}'
    lead = core.leads.get(rep, scene.lead)
    assert lead.is_converted and lead.converted_account_id == scene.acme
    contact, opp = _id(lead.converted_contact_id), _id(lead.converted_opportunity_id)
    done = text(response.text.split('<div id="lead-detail"')[0])
    assert "Converted into: Account Acme Hardware Inc Merged" in done
    assert f'<a href="/accounts/{scene.acme}">Acme Hardware Inc</a>' in response.text
    assert f'<a href="/contacts/{contact}">Ada Ng</a>' in response.text
    assert f'<a href="/opportunities/{opp}">Acme Hardware - tools</a>' in response.text
    assert '<div id="lead-detail" class="lead-detail" hx-swap-oob="true">' in response.text
    assert f'hx-get="/leads/{scene.lead}/conversion"' in response.text
    assert "Convert\n" not in response.text.split("lead-detail")[1]  # no Convert button any more
    assert core.accounts.get(rep, scene.acme).phone == "+1 555 0100"


@pytest.mark.parametrize(
    ("changes", "choice", "message"),
    [
        ({"converted_status": "Qualified"}, "Conversion", "is not a converted status"),
        ({"opportunity_name": "x" * 81}, "Opportunity", "at most 80"),
        ({"owner_id": "999"}, "Conversion", "No user with id 999"),
    ],
)
def test_a_refused_conversion_shows_why_in_the_dialog_and_changes_nothing(
    client: TestClient,
    sign_in: SignIn,
    core: Opportune,
    rep: User,
    scene: Scene,
    changes: dict[str, str],
    choice: str,
    message: str,
) -> None:
    token = sign_in(rep)
    before = all_but_conversion_records(core)
    data = choices(scene, **changes)
    response = client.post(f"/leads/{scene.lead}/convert", headers=hx(token), data=data)
    assert response.status_code == 422
    assert message in text(section(response.text, choice))
    assert all_but_conversion_records(core) == before
    assert not core.leads.get(rep, scene.lead).is_converted


def test_converting_a_converted_lead_is_refused_in_the_dialog(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    core.conversions.convert(rep, scene.lead, {"converted_status": CONVERTED,
                                               "account_id": scene.acme})  # fmt: skip
    before = counts(core)
    response = client.post(f"/leads/{scene.lead}/convert", headers=hx(token), data=choices(scene))
    assert response.status_code == 422
    assert f"Lead {scene.lead} is already converted" in response.text
    assert counts(core) == before
    assert client.get(f"/leads/{scene.lead}/convert", headers=HX).status_code == 409


def _convert(core: Opportune, rep: User, scene: Scene) -> None:
    core.conversions.convert(rep, scene.lead, {"converted_status": CONVERTED,
                                               "account_id": scene.acme})  # fmt: skip


def test_the_converted_lead_shows_what_it_became_with_filled_fields_and_kept_values(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    sign_in(rep)
    _convert(core, rep, scene)
    lead = core.leads.get(rep, scene.lead)
    page = client.get(f"/leads/{scene.lead}").text
    assert f'hx-get="/leads/{scene.lead}/conversion" hx-trigger="load"' in page
    assert f'hx-get="/leads/{scene.lead}/convert"' not in page
    panel = client.get(f"/leads/{scene.lead}/conversion", headers=HX)
    assert panel.status_code == 200
    shown = text(panel.text)
    day = lead.converted_date
    assert day is not None
    assert f"Converted on {day:%b} {day.day}, {day.year} by Rae Rep into" in shown
    assert "Account Acme Hardware Inc Merged Filled 3 empty fields:" in shown
    assert "Website : empty becomes acme.example" in shown
    assert f'<a href="/contacts/{lead.converted_contact_id}">Ada Ng</a>' in panel.text
    assert f'<a href="/opportunities/{lead.converted_opportunity_id}">' in panel.text
    assert "Kept on the lead Company Acme Hardware" in shown
    assert "Undo conversion" in shown
    assert client.get(f"/leads/{_id(scene.lead) + 10_000}/conversion").status_code == 404


def test_undo_puts_the_database_back_and_the_lead_page_unconverted(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    before = all_but_conversion_records(core)
    _convert(core, rep, scene)
    response = client.post(f"/leads/{scene.lead}/unconvert", headers=hx(token))
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == '{"opportune:toast": "Conversion of Ada Ng undone"}'
    assert response.text.startswith('<div id="lead-detail"')
    assert f'hx-get="/leads/{scene.lead}/convert"' in response.text
    assert all_but_conversion_records(core) == before


def test_undo_is_refused_when_records_changed_and_can_be_forced(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    _convert(core, rep, scene)
    contact_id = _id(core.leads.get(rep, scene.lead).converted_contact_id)
    core.contacts.update(rep, contact_id, {"title": "Chief Technology Officer"})
    before = counts(core)
    refused = client.post(f"/leads/{scene.lead}/unconvert", headers=hx(token))
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#undo-area"
    shown = text(refused.text)
    assert f"Contact #{contact_id}" in shown and "changed since" in shown
    assert "Undo anyway (keep changed records)" in shown
    assert 'name="force" value="true"' in refused.text
    assert counts(core) == before and core.leads.get(rep, scene.lead).is_converted

    url = f"/leads/{scene.lead}/unconvert"
    forced = client.post(url, headers=hx(token), data={"force": "true"})
    assert forced.status_code == 200
    assert f"kept the changed records: contact #{contact_id}" in forced.headers["HX-Trigger"]
    assert not core.leads.get(rep, scene.lead).is_converted
    kept = core.contacts.get(rep, contact_id)
    assert kept.title == "Chief Technology Officer"


def test_without_htmx_converting_and_undoing_go_back_to_the_lead_page_with_a_message(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    token = sign_in(rep)
    data = {**choices(scene), "csrf_token": token}
    converted = client.post(f"/leads/{scene.lead}/convert", data=data)
    assert (converted.status_code, converted.headers["location"]) == (303, f"/leads/{scene.lead}")
    assert "Lead Ada Ng converted." in client.get(f"/leads/{scene.lead}").text
    undone = client.post(f"/leads/{scene.lead}/unconvert", data={"csrf_token": token})
    assert undone.status_code == 303
    assert "Conversion of Ada Ng undone" in client.get(f"/leads/{scene.lead}").text
    assert not core.leads.get(rep, scene.lead).is_converted


def test_every_conversion_post_needs_the_csrf_token(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, scene: Scene
) -> None:
    sign_in(rep)
    before = counts(core)
    for path in ("convert/preview", "convert", "unconvert"):
        response = client.post(f"/leads/{scene.lead}/{path}", headers=HX, data=choices(scene))
        assert response.status_code == 403, path
    assert counts(core) == before
    assert not core.leads.get(rep, scene.lead).is_converted
