"""The second process a large import checks duplicates in."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from opportune.services.duplicate_checks import prepare_checks
from opportune.services.imports.check_process import CheckProcess

RECORDS = [{"last_name": "Ng", "email": "a@b.example"}]


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_an_error_in_the_check_process_is_raised_in_the_importing_process(
    tmp_path: Path,
) -> None:
    # A database without the schema: the child's first query fails.
    checked = prepare_checks("lead", RECORDS, {})
    with CheckProcess(f"sqlite:///{tmp_path / 'empty.db'}", "lead") as checks:
        with pytest.raises(RuntimeError, match=r"duplicate check process failed.*duplicate_rules"):
            checks.check(checked, 0)
        # It keeps serving after an error.
        with pytest.raises(RuntimeError, match="failed"):
            checks.check(checked, 0)
        assert checks.running
    assert not checks.running


def test_the_check_process_ends_when_the_import_process_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from opportune.services.imports.check_process import CheckProcess\n"
        "checks = CheckProcess(sys.argv[1], 'lead').__enter__()\n"
        "print(checks._process.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    url = f"sqlite:///{tmp_path / 'any.db'}"
    with subprocess.Popen(
        [sys.executable, "-c", script, url], stdout=subprocess.PIPE, text=True
    ) as importer:
        assert importer.stdout is not None
        child = int(importer.stdout.readline())
        assert alive(child)
        importer.kill()  # SIGKILL: no clean-up runs in the importer
    deadline = time.monotonic() + 20
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(child)
