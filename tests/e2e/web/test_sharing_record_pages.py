"""Record pages for a rep: another rep's private lead or opportunity is a 404 page, and an
account page's related lists leave out the records the rep may not see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.conftest import add_user
from tests.e2e.web.conftest import SignIn


def test_a_hidden_record_is_a_404_page_and_missing_from_related_lists(
    client: TestClient, core: Opportune, rep: User, sign_in: SignIn
) -> None:
    other = add_user(core, "Bob Rep", "rep")
    lead = core.leads.create(other, {"last_name": "Baker", "company": "Baker Ltd"})
    account = core.accounts.create(other, {"name": "Shared Account"})
    mine = core.opportunities.create(rep, {"name": "Rep deal", "account_id": account.id,
                                           "close_date": "2026-12-31"})  # fmt: skip
    theirs = core.opportunities.create(other, {"name": "Bob deal", "account_id": account.id,
                                               "close_date": "2026-12-31"})  # fmt: skip
    sign_in(rep)
    for url in (f"/leads/{lead.id}", f"/opportunities/{theirs.id}"):
        page = client.get(url)
        assert page.status_code == 404
        assert "Baker" not in page.text and "Bob deal" not in page.text
    assert client.get(f"/opportunities/{mine.id}").status_code == 200
    account_page = client.get(f"/accounts/{account.id}")
    assert account_page.status_code == 200
    assert "Rep deal" in account_page.text and "Bob deal" not in account_page.text
    listed = client.get("/leads")
    assert "Baker" not in listed.text
