"""Lead page after a conversion: the new owner's notification on My tasks, and the timeline."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opportune import Opportune, User
from tests.e2e.web.conftest import SignIn


def _convert_for(core: Opportune, rep: User, owner: User, *, notify: bool) -> int:
    lead = core.leads.create(rep, {"last_name": "Ng", "company": "Acme Hardware"})
    assert lead.id is not None
    options = {"converted_status": "Closed - Converted", "owner_id": owner.id,
               "send_notification_email": notify, "allow_duplicates": True}  # fmt: skip
    core.conversions.convert(rep, lead.id, options)
    return lead.id


def test_the_new_owner_sees_the_notification_and_marks_it_read(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, manager: User
) -> None:
    lead_id = _convert_for(core, rep, manager, notify=True)
    token = sign_in(manager)
    page = client.get("/tasks").text
    assert "Notifications" in page and f'href="/leads/{lead_id}"' in page
    assert "converted the lead Ng (Acme Hardware)" in page
    (notice,) = core.notifications.list(manager)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    assert client.post(f"/notifications/{notice.id}/read", headers=headers).status_code == 200
    assert core.notifications.list(manager, unread_only=True) == []
    assert "Notifications" not in client.get("/tasks").text


def test_no_notification_unless_asked_and_none_of_others_can_be_read(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, manager: User
) -> None:
    _convert_for(core, rep, manager, notify=False)
    assert core.notifications.list(manager) == []
    _convert_for(core, rep, manager, notify=True)
    (notice,) = core.notifications.list(manager)
    token = sign_in(rep)
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    assert client.post(f"/notifications/{notice.id}/read", headers=headers).status_code == 404
    assert client.post(f"/notifications/{notice.id}/read").status_code == 403  # no CSRF token
    assert core.notifications.list(manager, unread_only=True) == [notice]


def test_a_converted_leads_timeline_shows_the_status_not_raw_record_ids(
    client: TestClient, sign_in: SignIn, core: Opportune, rep: User, manager: User
) -> None:
    lead_id = _convert_for(core, rep, manager, notify=False)
    sign_in(rep)
    html = client.get(f"/leads/{lead_id}/timeline", headers={"HX-Request": "true"}).text
    assert "Closed - Converted" in html
    assert "Converted account" not in html and "Converted opportunity" not in html
