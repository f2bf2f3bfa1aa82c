"""``opportune webform list|create|show|snippet|submissions|process-queue`` on every engine."""

from __future__ import annotations

from datetime import timedelta

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_create_show_list_and_snippet(run: Run, core: Opportune, admin: User, rep: User) -> None:
    created = ok_json(
        run(
            "webform",
            "create",
            "--name",
            "Contact us",
            "--owner",
            rep.email,
            "--no-assignment",
            "--campaign",
            "Spring",
            "--redirect-host",
            "www.example.com",
            "--redirect-host",
            "*.example.org",
            "--duplicates",
            "flag",
            "--daily-cap",
            "10",
            "--json",
        )
    )
    assert created["owner_id"] == rep.id and created["use_assignment_rule"] is False
    assert created["defaults"] == {"lead_source": "Web", "campaign": "Spring"}
    assert created["allowed_redirect_hosts"] == ["www.example.com", "*.example.org"]
    assert created["duplicate_action"] == "flag" and created["daily_cap"] == 10
    form_id = str(created["id"])

    shown = run("webform", "show", form_id)
    assert shown.exit_code == 0 and "Contact us" in shown.stdout and created["key"] in shown.stdout
    listed = run("webform", "list")
    assert "Contact us" in listed.stdout and "0/10" in listed.stdout

    html = run(
        "webform",
        "snippet",
        form_id,
        "--field",
        "email",
        "--field",
        "city",
        "--return-url",
        "https://www.example.com/thanks",
        "--base-url",
        "https://crm.example.com/",
    )
    assert html.exit_code == 0, html.output
    assert html.stdout.startswith("<!-- Opportune web-to-lead form")
    assert 'action="https://crm.example.com/web-to-lead"' in html.stdout
    assert f'value="{created["key"]}"' in html.stdout and 'name="city"' in html.stdout


def test_bad_settings_and_unknown_forms_are_one_clear_error(run: Run, admin: User) -> None:
    line = one_error_line(
        run(
            "webform",
            "create",
            "--name",
            "X",
            "--redirect-host",
            "not a host",
            "--duplicates",
            "drop",
        ),
        2,
    )
    assert "allowed_redirect_hosts" in line and "duplicate_action" in line
    assert "does not exist" in one_error_line(run("webform", "show", "999"), 3)
    assert "999" in one_error_line(run("webform", "snippet", "999"), 3)


def test_submissions_and_process_queue(run: Run, core: Opportune, admin: User) -> None:
    form = core.web_forms.create(
        admin, {"name": "Capped", "daily_cap": 1, "use_assignment_rule": False}
    )
    for last in ("First", "Second"):
        core.web_forms.submit(
            form.key,
            {"last_name": last, "company": "Acme", "email": f"{last}@acme.example"},
            ip="192.0.2.1",
        )
    queued = ok_json(run("webform", "submissions", str(form.id), "--status", "queued", "--json"))
    assert [s["payload"]["last_name"] for s in queued["items"]] == ["Second"]
    table = run("webform", "submissions", str(form.id))
    assert "First" in table.stdout and "queued" in table.stdout

    today = ok_json(run("webform", "process-queue", "--json"))
    assert today == {"processed": 0, "by_status": {}, "remaining": 1}
    # The next UTC day, cron's run makes the queued lead.
    later = core.web_forms.clock() + timedelta(days=1)
    run_result = core.web_forms.process_queue(later)
    assert run_result.processed == 1
    summary = run("webform", "process-queue")
    assert summary.exit_code == 0 and "0 still queued" in summary.stdout
