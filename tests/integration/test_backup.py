"""Backups of a live database and their restore into an empty one, on every engine."""

from __future__ import annotations

import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opportune import ConflictError, Opportune, PermissionDeniedError, User, ValidationError
from opportune.db import migrate
from opportune.db import tables as t
from opportune.db.backup import SEEDED_TABLES, backup_database, table_counts
from opportune.demo import load_demo
from opportune.domain.audit import AuditAction
from opportune.services.audit_trail import audit
from opportune.services.filters import LeadFilters
from opportune.services.uow import UnitOfWork
from tests.conftest import add_user, make_settings
from tests.snapshots import every_row

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ODD_LEAD = {
    "first_name": "Zoë", "last_name": "Ōtsuka-Ünal 😀", "email": None,
    "company": 'Ärger "Quotes", Commas\nNewline',
    "annual_revenue": "12345678.91", "number_of_employees": "0",
    "description": "", "do_not_call": "true", "city": "Zürich\\Back\tTab",
}  # fmt: skip


@pytest.fixture
def target(core: Opportune, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Opportune]:
    """A never-migrated database of the same engine as ``core``, to restore into."""
    if core.engine.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    app = Opportune(make_settings(url, tmp_path / "target"))
    yield app
    app.close()


def seed(core: Opportune) -> User:
    """Varied data: the demo, an awkward lead, a conversion, JSON audit details."""
    load_demo(core, leads=25, accounts=3, now=NOW)
    admin = core.users.get_by_email("admin@example.com")
    lead = core.leads.create(admin, ODD_LEAD)
    assert lead.id is not None
    core.conversions.convert(admin, lead.id, {"converted_status": "Closed - Converted"})
    with UnitOfWork(core.engine, write=True) as uow:
        details = {"nested": {"list": [1, 2.5, None, "ünï"]}, "flag": True}
        audit(uow, AuditAction.SETTING_CHANGED, admin, NOW, details=details)
        uow.commit()
    return admin


def test_a_restored_backup_holds_every_row_of_every_table(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    before = every_row(core)
    result = core.backups.backup(admin, tmp_path / "crm.backup")
    restored = target.backups.restore(result.path)
    after = every_row(target)
    restore_entry = after["audit_log"].pop()
    assert after == before
    assert restore_entry["action"] == "backup.restored"
    assert (restored.rows, restored.tables) == (result.rows, result.tables)
    # every_row leaves out bookkeeping; of it, only the cache version's one row is there.
    assert result.rows == sum(len(rows) for rows in before.values()) + 1
    assert target.schema_is_current()


def test_the_awkward_values_come_back_exactly(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    found = LeadFilters(q="Ünal Quotes", include_converted=True)  # through the search index
    odd = core.leads.list(admin, found).page.items
    target.backups.restore(core.backups.backup(admin, tmp_path / "b").path)
    again = target.users.get_by_email("admin@example.com")
    assert target.leads.list(again, found).page.items == odd
    assert [(lead.company, lead.email, lead.description) for lead in odd] == [
        (ODD_LEAD["company"], None, None)
    ]


def test_a_migrated_empty_database_takes_a_restore(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    target.migrate()
    target.backups.restore(core.backups.backup(admin, tmp_path / "b").path)
    assert every_row(target, but_tables=["audit_log"]) == every_row(core, but_tables=["audit_log"])


def test_new_records_after_a_restore_get_new_ids(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    target.backups.restore(core.backups.backup(admin, tmp_path / "b").path)
    newest = max(row["id"] for row in every_row(core)["leads"])
    again = target.users.get_by_email("admin@example.com")
    lead = target.leads.create(again, {"last_name": "After", "company": "Restore Ltd"})
    assert lead.id is not None and lead.id > newest
    user = add_user(target, "New Person", "rep")
    assert user.id is not None and user.id > admin.id  # type: ignore[operator]


def test_a_backup_while_leads_are_written_is_one_consistent_snapshot(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    stop, written = threading.Event(), []

    def write() -> None:
        while not stop.is_set():
            lead = core.leads.create(admin, {"last_name": "Busy", "company": "Writer Inc"})
            written.append(lead.id)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        result = core.backups.backup(admin, tmp_path / "busy")
    finally:
        stop.set()
        writer.join()
    target.backups.restore(result.path)
    busy = _lead_ids(target, "Busy")
    assert busy == written[: len(busy)]  # a prefix: every lead committed before the snapshot
    assert _count(target, t.leads) == _count(core, t.leads) - (len(written) - len(busy))
    with target.engine.connect() as conn:
        assert sum(table_counts(conn).values()) == result.rows + 1  # + the restore's entry


def _lead_ids(core: Opportune, last_name: str) -> list[int]:
    with core.engine.connect() as conn:
        query = select(t.leads.c.id).where(t.leads.c.last_name == last_name).order_by(t.leads.c.id)
        return list(conn.scalars(query))


def _count(core: Opportune, table: t.Table) -> int:
    with core.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_restore_into_a_database_with_records_is_refused_and_changes_nothing(
    core: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    result = core.backups.backup(admin, tmp_path / "b")
    before = every_row(core)
    with pytest.raises(ConflictError, match="not empty"):
        core.backups.restore(result.path)
    assert every_row(core) == before


def test_a_database_with_only_a_user_is_not_empty(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    result = core.backups.backup(admin, tmp_path / "b")
    target.migrate()
    add_user(target, "Early Bird", "admin")
    with pytest.raises(ConflictError, match="not empty"):
        target.backups.restore(result.path)


def test_a_damaged_backup_is_refused_and_the_target_stays_empty(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    good = core.backups.backup(admin, tmp_path / "good").path
    garbage, truncated = tmp_path / "garbage", tmp_path / "truncated"
    garbage.write_bytes(b"this is not a backup at all\n" * 100)
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for bad in (garbage, truncated):
        with pytest.raises(ValidationError) as caught:
            target.backups.restore(bad)
        assert caught.value.fields[0].field == "FILE"
        assert target.schema_revision() is None
    with pytest.raises(ValidationError, match="does not exist"):
        target.backups.restore(tmp_path / "missing")


def test_an_archive_whose_table_lost_rows_is_refused_and_rolled_back(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    if core.engine.dialect.name == "sqlite":
        pytest.skip("archives are PostgreSQL's backup format")
    admin = seed(core)
    good = core.backups.backup(admin, tmp_path / "good").path
    bad = _rewrite_archive(good, tmp_path / "bad", "tables/leads.csv", _drop_second_row)
    with pytest.raises(ValidationError, match="manifest says"):
        target.backups.restore(bad)
    assert target.schema_revision() is None


def test_a_backup_from_a_newer_opportune_is_refused(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    admin = seed(core)
    good = core.backups.backup(admin, tmp_path / "good").path
    newer = _with_revision(good, tmp_path / "newer", "9999_future")
    with pytest.raises(ValidationError, match="9999_future") as caught:
        target.backups.restore(newer)
    assert caught.value.fields[0].code == "BACKUP_TOO_NEW"
    assert target.schema_revision() is None


def test_a_backup_of_the_other_engine_is_refused_by_name(
    core: Opportune, target: Opportune, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    if core.engine.dialect.name == "sqlite":
        with zipfile.ZipFile(other, "w") as archive:
            archive.writestr("manifest.json", "{}")
    else:
        sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(ValidationError) as caught:
        target.backups.restore(other)
    assert caught.value.fields[0].code == "WRONG_BACKUP_FORMAT"


def test_an_existing_file_is_kept_unless_forced(core: Opportune, tmp_path: Path) -> None:
    admin = seed(core)
    existing = tmp_path / "existing"
    existing.write_text("precious")
    with pytest.raises(ConflictError, match="already exists"):
        core.backups.backup(admin, existing)
    assert existing.read_text() == "precious"
    result = core.backups.backup(admin, existing, force=True)
    assert result.bytes == existing.stat().st_size > len("precious")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_only_administrators_back_up(core: Opportune, rep: User, tmp_path: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        core.backups.backup(rep, tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_backup_and_restore_are_audited(core: Opportune, target: Opportune, tmp_path: Path) -> None:
    admin = seed(core)
    result = core.backups.backup(admin, tmp_path / "b")
    target.backups.restore(result.path)
    made = every_row(core)["audit_log"][-1]
    assert (made["action"], made["actor_id"]) == ("backup", admin.id)
    assert made["details"]["rows"] == result.rows
    restored = every_row(target)["audit_log"][-1]
    assert restored["action"] == "backup.restored"
    assert restored["details"]["path"] == str(result.path)


def test_an_older_sqlite_backup_is_migrated_up_on_restore(tmp_path: Path) -> None:
    old = Opportune(make_settings(f"sqlite:///{tmp_path / 'old.db'}", tmp_path))
    migrate.upgrade(old.engine, "0010")
    made = backup_database(old.engine, tmp_path / "old.backup", created_at=NOW,
                           opportune_version="0.0.1")  # fmt: skip
    old.close()
    assert made.revision == "0010"
    new = Opportune(make_settings(f"sqlite:///{tmp_path / 'new.db'}", tmp_path))
    new.backups.restore(made.path)
    assert new.schema_is_current()
    with new.engine.connect() as conn:
        seeded = {name for name, rows in table_counts(conn).items() if rows}
    assert seeded <= SEEDED_TABLES | {"audit_log"}
    new.close()


def _rewrite_archive(source: Path, dest: Path, member: str, change: Any) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, change(data) if item.filename == member else data)
    return dest


def _drop_second_row(csv: bytes) -> bytes:
    lines = csv.split(b"\n")
    return b"\n".join(lines[:2] + lines[3:])


def _with_revision(source: Path, dest: Path, revision: str) -> Path:
    if zipfile.is_zipfile(source):
        return _rewrite_archive(
            source, dest, "manifest.json",
            lambda b: b.replace(b'"revision": "', f'"revision": "{revision}", "old": "'.encode()),
        )  # fmt: skip
    dest.write_bytes(source.read_bytes())
    with sqlite3.connect(dest) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return dest
