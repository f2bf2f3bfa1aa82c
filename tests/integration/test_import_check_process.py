"""The second process a large import checks duplicates in."""

from __future__ import annotations

from pathlib import Path

import pytest

from opportune.services.duplicate_checks import prepare_checks
from opportune.services.imports.check_process import CheckProcess


def test_an_error_in_the_check_process_is_raised_in_the_importing_process(
    tmp_path: Path,
) -> None:
    # A database without the schema: the child's first query fails.
    checked = prepare_checks("lead", [{"last_name": "Ng", "email": "a@b.example"}], {})
    with CheckProcess(f"sqlite:///{tmp_path / 'empty.db'}", "lead") as checks:
        with pytest.raises(RuntimeError, match=r"duplicate check process failed.*duplicate_rules"):
            checks.check(checked, 0)
        # It keeps serving after an error.
        with pytest.raises(RuntimeError):
            checks.check(checked, 0)
    assert not checks._process.is_alive()
