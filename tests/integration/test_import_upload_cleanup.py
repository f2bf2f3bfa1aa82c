"""Old import uploads that nothing needs are removed, on every database engine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from opportune import Opportune, User
from opportune.services.imports.cleanup import uploads_root

LEADS = """First Name,Last Name,Company
Ada,Lovelace,Analytical
Bob,,Beta Ltd
"""
DAY = 24 * 3600


def upload(core: Opportune, user: User, token: str, *, age: float, text: str = LEADS) -> Path:
    """A file stored as the web UI and the API store uploads, last written ``age`` s ago."""
    folder = uploads_root(core.settings.data_dir) / str(user.id) / token.ljust(32, "0")
    folder.mkdir(parents=True)
    path = folder / "leads.csv"
    path.write_text(text)
    age_of(path, age)
    return path


def age_of(path: Path, seconds: float) -> None:
    """Make the file and its folder look last written ``seconds`` ago."""
    then = time.time() - seconds
    for item in (path, path.parent):
        os.utime(item, (then, then))


def test_old_uploads_no_unfinished_import_reads_are_removed(
    core: Opportune, admin: User, tmp_path: Path
) -> None:
    abandoned = upload(core, admin, "a", age=DAY + 60)  # mapping step never finished
    fresh = upload(core, admin, "b", age=3600)
    waiting = upload(core, admin, "c", age=2 * DAY, text=LEADS.replace("Ada", "Ann"))
    pending = core.imports.start(admin, "lead", waiting)  # not run yet: it still may be
    done_file = upload(core, admin, "d", age=0, text=LEADS.replace("Ada", "Abe"))
    core.imports.run(core.imports.start(admin, "lead", done_file).id)
    age_of(done_file, DAY + 60)
    own_file = tmp_path / "mine.csv"  # what `opportune import leads FILE` reads in place
    own_file.write_text(LEADS.replace("Ada", "Amy"))
    core.imports.run(core.imports.start(admin, "lead", own_file).id)
    age_of(own_file, 10 * DAY)

    result = core.imports.cleanup_uploads()

    assert (result.removed, result.kept) == (2, 2)
    assert result.freed_bytes == len(LEADS) * 2
    assert not abandoned.parent.exists() and not done_file.parent.exists()
    assert fresh.is_file() and waiting.is_file() and own_file.is_file()
    assert core.imports.run(pending.id).created_count == 1  # the kept file still imports


def test_a_finished_import_keeps_its_error_file_and_can_be_reverted_without_its_upload(
    core: Opportune, admin: User
) -> None:
    path = upload(core, admin, "e", age=0)
    job = core.imports.run(core.imports.start(admin, "lead", path).id)
    assert (job.created_count, job.error_count) == (1, 1)
    age_of(path, DAY + 60)

    assert core.imports.cleanup_uploads().removed == 1

    assert not path.exists()
    error_file = core.imports.error_file(admin, job.id)
    assert error_file is not None and "Beta Ltd" in error_file.read_text(encoding="utf-8-sig")
    reverted = core.imports.revert(admin, job.id)
    assert (reverted.status, reverted.message) == ("reverted", "Deleted 1 leads")
    assert core.imports.error_file(admin, job.id) == error_file  # listed: still there


def test_the_retention_is_a_setting_and_nothing_to_clean_is_fine(
    core: Opportune, admin: User
) -> None:
    assert core.imports.cleanup_uploads().removed == 0  # no uploads folder at all
    path = upload(core, admin, "f", age=3 * 3600)
    core.settings.import_upload_retention_hours = 2

    assert core.imports.cleanup_uploads().removed == 1
    assert not path.parent.exists() and path.parent.parent.is_dir()
