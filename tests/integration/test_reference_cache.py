"""The per-process copies of users, picklists, stages, queues and org-wide defaults are never
out of date: every change, by this process, another one or a restore, is seen at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from opportune import Opportune, User
from opportune.db import reference_versions
from opportune.errors import AuthenticationError
from opportune.services.filters import LeadFilters
from opportune.services.reference_cache import ReferenceCache, saved_user
from opportune.services.uow import UnitOfWork
from tests.conftest import add_user, make_settings

# The tables whose copies the services keep (migration 0015 puts triggers on each).
CACHED_TABLES = {
    "users", "lead_statuses", "lead_sources", "lead_close_reasons", "opportunity_stages",
    "opportunity_lost_reasons", "queues", "queue_members", "org_defaults",
}  # fmt: skip


def version(core: Opportune) -> int:
    with UnitOfWork(core.engine) as uow:
        return uow.reference_version()


def visible_owners(core: Opportune, viewer: User) -> set[int]:
    page = core.leads.list(viewer, LeadFilters(limit=100)).page
    return {lead.owner_id for lead in page.items}


def test_a_copy_is_used_only_at_the_version_it_was_made_at() -> None:
    cache = ReferenceCache()
    assert cache.get(3, "k", lambda: "at 3") == "at 3"
    assert cache.get(3, "k", lambda: "reloaded") == "at 3"
    assert cache.get(4, "k", lambda: "at 4") == "at 4"
    # A transaction that still sees an older version reads for itself and stores nothing.
    assert cache.get(3, "k", lambda: "old snapshot") == "old snapshot"
    assert cache.get(4, "k", lambda: "reloaded") == "at 4"


def test_every_cached_table_bumps_the_version_on_every_kind_of_write(core: Opportune) -> None:
    with core.engine.connect() as conn:
        if core.engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
            events = {(tbl, word) for tbl, sql in rows for word in ("INSERT", "UPDATE", "DELETE")
                      if "reference_versions" in sql and f"AFTER {word}" in sql}  # fmt: skip
            assert events == {
                (tbl, w) for tbl in CACHED_TABLES for w in ("INSERT", "UPDATE", "DELETE")
            }
        else:
            rows = conn.execute(text(
                "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
                "WHERE g.tgname LIKE '%reference_version'"
            ))  # fmt: skip
            assert {r[0] for r in rows} == CACHED_TABLES


def test_a_new_manager_sees_the_reps_leads_on_the_next_request(
    core: Opportune, admin: User, manager: User, rep: User
) -> None:
    core.leads.create(rep, {"last_name": "Rae's lead", "company": "Rae Co"})
    core.sharing.set_org_default(admin, "lead", "private")
    assert visible_owners(core, manager) == set()
    core.users.update(admin, rep.id or 0, {"manager_id": manager.id})
    assert visible_owners(core, manager) == {rep.id}
    core.users.update(admin, rep.id or 0, {"manager_id": None})
    assert visible_owners(core, manager) == set()


def test_a_change_made_by_another_process_is_seen_at_once(
    core: Opportune, admin: User, database_url: str
) -> None:
    core.leads.create(
        admin, {"last_name": "Lee", "company": "Acme", "status": "Open - Not Contacted"}
    )
    assert core.leads.lookups().picklists.statuses[0].label == "Open - Not Contacted"
    other = create_engine(database_url)  # another process's connection: no cache of ours
    try:
        with other.begin() as conn:
            conn.execute(
                text("UPDATE lead_statuses SET label = 'New' WHERE label = 'Open - Not Contacted'")
            )
    finally:
        other.dispose()
    labels = [s.label for s in core.leads.lookups().picklists.statuses]
    assert "New" in labels and "Open - Not Contacted" not in labels
    lead = core.leads.list(admin, LeadFilters(limit=5)).page.items[0]
    assert core.leads.lookups().record(lead)["status"] == "New"


def test_a_deactivated_users_token_stops_working_at_once(core: Opportune, admin: User) -> None:
    rep = add_user(core, "Tok Rep", "rep", admin)
    token = core.auth.create_token(None, rep.id or 0, "script", scopes=["read"]).token
    assert core.auth.token_access(token).user.id == rep.id
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(AuthenticationError, match="inactive"):
        core.auth.token_access(token)


def test_a_write_that_rolls_back_leaves_no_copy_behind(
    core: Opportune, admin: User, rep: User
) -> None:
    before = version(core)
    with UnitOfWork(core.engine, write=True) as uow:
        rename = text("UPDATE users SET name = 'Rolled Back' WHERE id = :i")
        uow.connection.execute(rename, {"i": admin.id})
        assert uow.reference_version() == before + 1
        assert saved_user(uow, admin.id or 0).name == "Rolled Back"  # type: ignore[union-attr]
    assert version(core) == before
    # Another change takes the version the rolled-back one had reached.
    core.users.update(admin, rep.id or 0, {"name": "Rae Renamed"})
    assert version(core) == before + 1
    assert core.users.get(admin.id or 0).name == "Ada Admin"
    assert core.users.get(rep.id or 0).name == "Rae Renamed"


def test_a_restore_puts_the_version_past_every_copy_made_before_it(
    core: Opportune, admin: User, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backup = core.backups.backup(admin, tmp_path / "crm.backup").path
    if core.engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    target = Opportune(make_settings(url, tmp_path / "target"))
    try:
        target.migrate()
        empty_version = version(target)
        assert target.leads.lookups().users == []  # a copy made at the empty database's version
        target.backups.restore(backup)
        assert version(target) > empty_version
        assert [u.email for u in target.leads.lookups().users] == ["ada.admin@example.com"]
        with target.engine.connect() as conn:
            assert reference_versions.version_before_restore(conn) == version(target)
            assert "reference_versions" in inspect(conn).get_table_names()
    finally:
        target.close()
