"""The audit log: each audited kind of change writes an entry; administrators read and filter."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from opportune import Opportune, User
from opportune.db import tables as t
from opportune.domain.audit import AuditEntry
from opportune.errors import PermissionDeniedError, ValidationError
from opportune.services.audit import AuditFilters, AuditService
from opportune.services.audit_trail import set_client_ip
from opportune.services.filters import LeadFilters
from tests.conftest import add_user

CONVERTED = {"converted_status": "Closed - Converted"}


def entries(core: Opportune, **filters: object) -> list[AuditEntry]:
    """Every entry matching ``filters`` (the CLI's view: the installation itself), newest first."""
    page = core.audit.list(None, AuditFilters(limit=500, **filters))  # type: ignore[arg-type]
    return list(page.items)


def only(core: Opportune, action: str) -> AuditEntry:
    found = entries(core, action=[action])
    assert len(found) == 1, found
    return found[0]


def lead(core: Opportune, actor: User, last: str, **data: object) -> int:
    created = core.leads.create(actor, {"last_name": last, "company": "Acme", **data})
    assert created.id is not None
    return created.id


def test_creating_and_changing_a_user_is_logged_with_before_and_after_but_no_password(
    core: Opportune, admin: User
) -> None:
    rae = add_user(core, "Rae Rep", "rep", admin)
    (created,) = entries(core, action=["user.created"], user=[admin.email])
    assert (created.actor_id, created.object_type, created.object_id) == (admin.id, "user", rae.id)
    assert created.details["after"]["role"] == "rep"
    assert "password_hash" not in str(created.details)
    assert rae.id is not None
    core.users.update(admin, rae.id, {"role": "manager", "password": "another secret 123"})
    changed = only(core, "user.changed")
    assert changed.details["before"]["role"] == "rep"
    assert changed.details["after"]["role"] == "manager"
    assert "name" not in changed.details["after"]  # only the fields that changed
    assert changed.details["password_changed"] is True
    assert "another secret" not in str(changed.details)
    assert changed.actor_email == admin.email


def test_exports_are_logged_when_they_start_with_their_filters(
    core: Opportune, admin: User
) -> None:
    lead(core, admin, "Ng")
    count = core.exports.export(admin, "lead", LeadFilters(owner=["me"]), io.StringIO())
    assert count == 1
    entry = only(core, "export")
    assert (entry.actor_id, entry.object_type) == (admin.id, "lead")
    assert entry.details == {"format": "csv", "filters": {"owner": ["me"]}}


def test_a_refused_export_writes_no_entry(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError):
        core.exports.export(admin, "lead", LeadFilters(status=["Nope"]), io.StringIO())
    assert entries(core, action=["export"]) == []


def test_imports_are_logged_when_recorded_finished_and_reverted(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("last_name,company\nNg,Acme\nLi,Initech\n")
    job = core.imports.start(admin, "lead", path)
    core.imports.run(job.id)
    started = only(core, "import")
    assert (started.object_type, started.object_id) == ("import", job.id)
    assert started.details == {"object_type": "lead", "file_name": "leads.csv"}
    finished = only(core, "import.finished")
    assert finished.actor_id == admin.id
    assert finished.details["status"] == "completed"
    assert finished.details["created"] == 2
    core.imports.revert(admin, job.id)
    reverted = only(core, "import.reverted")
    assert reverted.details["deleted"] == 2
    assert [e.action for e in entries(core, action=["import.*"])] == [
        "import.reverted", "import.finished", "import",
    ]  # fmt: skip


def test_merges_and_their_undo_are_logged_on_the_master(core: Opportune, admin: User) -> None:
    a, b = lead(core, admin, "Ng"), lead(core, admin, "Ng")
    result = core.merges.merge(admin, "lead", a, [a, b])
    merged = only(core, "merge")
    assert (merged.object_type, merged.object_id) == ("lead", a)
    assert merged.details == {"merge_id": result.merge.id, "merged_ids": [b]}
    assert result.merge.id is not None
    core.merges.undo(admin, result.merge.id)
    assert only(core, "merge.undone").details["merge_id"] == result.merge.id


def test_each_converted_lead_gets_an_entry_and_undo_is_logged(core: Opportune, admin: User) -> None:
    lead_id = lead(core, admin, "Ng")
    result = core.conversions.convert(admin, lead_id, CONVERTED)
    converted = only(core, "conversion")
    assert (converted.object_type, converted.object_id) == ("lead", lead_id)
    assert converted.details["account_id"] == result.account_id
    core.conversions.unconvert(admin, lead_id)
    assert only(core, "conversion.undone").object_id == lead_id


def test_a_failed_conversion_writes_no_entry(core: Opportune, admin: User) -> None:
    lead_id = lead(core, admin, "Ng")
    with pytest.raises(ValidationError):
        core.conversions.convert(admin, lead_id, {"converted_status": "Nope"})
    assert entries(core, action=["conversion"]) == []


def test_setting_changes_are_logged_as_setting_changed(core: Opportune, admin: User) -> None:
    source = core.picklists.save_value(admin, "lead_sources", {"label": "Fair"})
    core.picklists.save_value(admin, "lead_sources", {"label": "Trade fair"}, source.id)
    reason = core.pipeline.save_lost_reason(admin, {"label": "Budget"})
    queue = core.assignment.create_queue(admin, "Inbound")
    core.assignment.delete_queue(admin, queue.id)
    rule = core.duplicates.create_rule(admin, {
        "object_type": "lead", "name": "Same email",
        "alternatives": [[{"field": "email", "method": "exact"}]]})  # fmt: skip
    form = core.web_forms.create(admin, {"name": "Contact us", "use_assignment_rule": False})
    found = [(e.object_type, e.object_id, e.details["change"])
             for e in entries(core, action=["setting.changed"])]  # fmt: skip
    assert found == [
        ("web_form", form.id, "created"),
        ("duplicate_rule", rule.id, "created"),
        ("queue", queue.id, "deleted"),
        ("queue", queue.id, "created"),
        ("lost_reason", reason.id, "created"),
        ("lead_source", source.id, "changed"),
        ("lead_source", source.id, "created"),
    ]
    renamed = entries(core, object_type="lead_source", object_id=source.id)[0]
    assert renamed.details["before"] == {"label": "Fair"}
    assert renamed.details["after"] == {"label": "Trade fair"}


def test_a_refused_setting_change_writes_no_entry(core: Opportune, admin: User) -> None:
    core.assignment.create_queue(admin, "Inbound")
    with pytest.raises(ValidationError):
        core.assignment.create_queue(admin, "Inbound")
    assert len(entries(core, object_type="queue")) == 1


def test_the_client_ip_of_the_request_is_kept(core: Opportune, admin: User) -> None:
    set_client_ip("203.0.113.9")
    try:
        core.picklists.save_value(admin, "lead_sources", {"label": "Fair"})
    finally:
        set_client_ip(None)
    assert [e.ip for e in entries(core, ip="203.0.113.9")] == ["203.0.113.9"]
    assert entries(core, ip="2001:db8::1") == []


def test_filters_by_action_prefix_actor_object_and_dates(core: Opportune, admin: User) -> None:
    rae = add_user(core, "Rae Rep", "rep", admin)
    assert rae.id is not None
    core.users.update(admin, rae.id, {"name": "Rae Rapp"})
    assert {e.action for e in entries(core, action=["user.*"])} == {"user.created", "user.changed"}
    mine = core.audit.list(admin, AuditFilters(user=["me"])).items
    assert {e.actor_id for e in mine} == {admin.id}
    by_email = entries(core, user=[admin.email], object_type="user", object_id=rae.id)
    assert [e.action for e in by_email] == ["user.changed", "user.created"]
    today = datetime.now(UTC).date()
    assert len(entries(core, since=today, until=today)) == len(entries(core))
    assert entries(core, until=date(2000, 1, 1)) == []


def test_bad_filters_are_refused_naming_each_field(core: Opportune, admin: User) -> None:
    bad = AuditFilters(
        action=["login.nope"], user=["ghost@example.com"], ip="not-an-ip",
        since=date(2026, 2, 1), until=date(2026, 1, 1), cursor="xx", limit=0,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        core.audit.list(admin, bad)
    assert sorted(e.field for e in caught.value.fields) == [
        "action", "cursor", "ip", "limit", "until", "user",
    ]  # fmt: skip


def test_pages_come_newest_first_with_a_cursor(core: Opportune, admin: User) -> None:
    for label in ("One", "Two", "Three"):
        core.picklists.save_value(admin, "lead_sources", {"label": label})
    first = core.audit.list(admin, AuditFilters(action=["setting.changed"], limit=2))
    labels = [e.details["after"]["label"] for e in first.items]
    assert labels == ["Three", "Two"]
    assert first.next_cursor is not None
    rest = core.audit.list(
        admin, AuditFilters(action=["setting.changed"], limit=2, cursor=first.next_cursor)
    )
    assert [e.details["after"]["label"] for e in rest.items] == ["One"]
    assert rest.next_cursor is None


def test_only_administrators_read_the_log(core: Opportune, admin: User, rep: User) -> None:
    with pytest.raises(PermissionDeniedError):
        core.audit.list(rep)
    entry = entries(core)[0]
    with pytest.raises(PermissionDeniedError):
        core.audit.get(rep, entry.id)
    assert core.audit.get(admin, entry.id) == entry


def test_the_service_has_no_way_to_change_or_delete_an_entry(core: Opportune) -> None:
    public = {name for name in dir(AuditService) if not name.startswith("_")}
    assert public == {"list", "get"}
    repo_methods = {n for n in dir(type(core.audit)) if not n.startswith("_")}
    assert not {n for n in repo_methods if n.startswith(("update", "delete", "remove", "edit"))}


def test_every_entry_is_written_in_the_transaction_of_its_change(
    core: Opportune, admin: User
) -> None:
    before = _count(core)
    with pytest.raises(ValidationError):
        core.users.create(admin, {"name": "X", "email": admin.email, "role": "rep",
                                  "password": "long enough password"})  # fmt: skip
    assert _count(core) == before


def _count(core: Opportune) -> int:
    with core.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one())
