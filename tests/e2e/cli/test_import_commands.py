"""``opportune import``: CSV imports from the command line, on every database engine."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.e2e.cli.conftest import Run, ok_json, one_error_line

LEADS = "First Name,Last Name,Company,Email\nAda,Ng,Acme,ada@acme.com\nBo,,Beta,bo@beta.com\n"


def setup(run: Run) -> None:
    result = run("user", "create", "--name", "Ada Admin", "--email", "ada@example.com",
                 "--role", "admin", "--password", "correct-horse-1")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_import_leads_prints_a_summary_and_writes_the_error_file(run: Run, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")

    result = run("import", "leads", str(path), env={"OPPORTUNE_DATA_DIR": str(tmp_path / "d")})

    assert result.exit_code == 0, result.output
    assert "Import #1" in result.stdout
    assert "Created" in result.stdout and "Rejected" in result.stdout
    assert "import-1-errors.csv" in result.stdout.replace("\n", "")
    errors = (tmp_path / "d" / "imports" / "import-1-errors.csv").read_text(encoding="utf-8-sig")
    assert errors.splitlines()[1] == "Bo,,Beta,bo@beta.com,3,Last Name: Is required"
    listed = ok_json(run("import", "list", "--json"))
    assert [(i["id"], i["created_count"], i["error_count"]) for i in listed["items"]] == [(1, 1, 1)]


def test_import_json_maps_columns_saves_the_mapping_and_skips_the_same_file(
    run: Run, tmp_path: Path
) -> None:
    setup(run)
    path = tmp_path / "people.csv"
    path.write_text(
        "Nom;First Name;Firme;Rem;Mail\nNg;Ada;Acme;x;ng@acme.com\nLo;Bo;Beta;y;lo@beta.com\n",
        encoding="utf-8",
    )
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "d")}

    job = ok_json(run("import", "leads", str(path), "--map", "Nom=last_name", "--map",
                      "Firme=company", "--map", "Rem=", "--save-mapping", "fr", "--json",
                      env=env))  # fmt: skip
    assert (job["status"], job["created_count"], job["options"]["delimiter"]) == (
        "completed",
        2,
        ";",
    )
    saved = ok_json(run("import", "mappings", "--json"))
    assert saved[0]["name"] == "fr" and saved[0]["columns"]["Rem"] is None

    again = ok_json(run("import", "leads", str(path), "--mapping", "fr", "--json", env=env))
    assert again["already_imported"] is True and again["id"] == job["id"]
    forced = ok_json(run("import", "leads", str(path), "--mapping", "fr", "--again", "--json",
                         env=env))  # fmt: skip
    assert (forced["created_count"], forced["skipped_count"]) == (0, 2)


def test_preview_imports_nothing(run: Run, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")

    preview = ok_json(run("import", "leads", str(path), "--preview", "--json"))

    assert preview["mapping"]["Last Name"] == "last_name"
    assert preview["row_errors"] == [[3, "Last Name: Is required"]]
    assert ok_json(run("import", "list", "--json"))["items"] == []


def test_all_or_none_fails_with_an_error_line_and_imports_nothing(run: Run, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")

    result = run("import", "leads", str(path), "--all-or-none", "--json",
                 env={"OPPORTUNE_DATA_DIR": str(tmp_path / "d")})  # fmt: skip

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: 1 rows were rejected, so nothing was imported (all or none)"
    )
    assert ok_json(run("import", "show", "1", "--json"))["status"] == "failed"


def test_revert_and_resume_of_finished_imports(run: Run, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "d")}
    ok_json(run("import", "leads", str(path), "--json", env=env))

    resumed = ok_json(run("import", "resume", "1", "--json", env=env))
    assert resumed["status"] == "completed"
    reverted = run("import", "revert", "1", "--yes")
    assert reverted.exit_code == 0, reverted.output
    assert "Deleted 1 leads" in reverted.stdout
    assert ok_json(run("lead", "list", "--json"))["items"] == []
    assert "already reverted" in one_error_line(run("import", "revert", "1", "--yes"), 5)


def test_bad_options_are_one_error_line(run: Run, tmp_path: Path) -> None:
    setup(run)
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")

    line = one_error_line(run("import", "leads", str(path), "--duplicates", "merge"), 2)
    assert "duplicates" in line
    line = one_error_line(run("import", "leads", str(path), "--map", "Nom"), 2)
    assert "--map takes HEADER=FIELD" in line
    line = one_error_line(run("import", "contacts", str(path), "--mapping", "nope"), 3)
    assert "No saved contact mapping named 'nope'" in line
    assert "Import 9" in one_error_line(run("import", "show", "9"), 3)


def test_cleanup_removes_old_uploads_and_says_what_it_kept(run: Run, tmp_path: Path) -> None:
    setup(run)
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "d"),
           "OPPORTUNE_IMPORT_UPLOAD_RETENTION_HOURS": "2"}  # fmt: skip
    uploads = tmp_path / "d" / "imports" / "uploads" / "1"
    for token, hours in (("a" * 32, 3), ("b" * 32, 1)):
        (uploads / token).mkdir(parents=True)
        (uploads / token / "leads.csv").write_text(LEADS)
        then = time.time() - hours * 3600
        for item in (uploads / token / "leads.csv", uploads / token):
            os.utime(item, (then, then))

    result = run("import", "cleanup", env=env)

    assert result.exit_code == 0, result.output
    assert " ".join(result.stdout.split()) == (
        f"Removed 1 upload ({len(LEADS)} bytes); kept 1 that an unfinished import reads "
        "or that are newer than 2 hours."
    )
    assert not (uploads / ("a" * 32)).exists() and (uploads / ("b" * 32)).is_dir()
    again = ok_json(run("import", "cleanup", "--json", env=env))
    assert again == {"removed": 0, "freed_bytes": 0, "kept": 1}
