"""Several apps in one process (the routes are prepared once and shared): each answers from
its own installation, with its own settings."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from opportune import Opportune
from opportune.api import create_app
from opportune.api.app import included_routes
from tests.conftest import add_user, make_settings


def installation(template: Path, folder: Path, company: str) -> tuple[Opportune, str]:
    """A fresh SQLite installation with an administrator, one lead, and the admin's token."""
    folder.mkdir()
    shutil.copy(template, folder / "opportune.db")
    core = Opportune(make_settings(f"sqlite:///{folder / 'opportune.db'}", folder))
    admin = add_user(core, f"Admin of {company}", "admin")
    core.leads.create(admin, {"last_name": "Lee", "company": company})
    assert admin.id is not None
    return core, core.auth.create_token(None, admin.id, "apps").token


def companies(client: TestClient, token: str) -> list[str]:
    """The companies of the leads the app lists."""
    answer = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return [lead["company"] for lead in answer.json()["items"]]


def test_two_apps_in_one_process_answer_from_their_own_installations(
    sqlite_template: Path, tmp_path: Path
) -> None:
    first, first_token = installation(sqlite_template, tmp_path / "a", "Acme")
    second, second_token = installation(sqlite_template, tmp_path / "b", "Globex")
    second.settings.request_max_bytes = 1000
    try:
        with TestClient(create_app(core=first)) as one, TestClient(create_app(core=second)) as two:
            assert companies(one, first_token) == ["Acme"]
            assert companies(two, second_token) == ["Globex"]
            # A token is only good on its own installation.
            assert one.get("/api/v1/leads", headers={"Authorization": f"Bearer {second_token}"}
                           ).status_code == 401  # fmt: skip
            # Each app keeps its own middleware settings: only the second refuses 5 kB.
            body = {"last_name": "Big", "company": "x", "description": "x" * 5000}
            big = two.post("/api/v1/leads", json=body,
                           headers={"Authorization": f"Bearer {second_token}"})  # fmt: skip
            assert big.status_code == 413
            fine = one.post("/api/v1/leads", json=body,
                            headers={"Authorization": f"Bearer {first_token}"})  # fmt: skip
            assert fine.status_code == 201, fine.text
            # Both apps use the one set of prepared routes.
            shared = set(map(id, included_routes()))
            assert shared <= set(map(id, one.app.router.routes))
            assert shared <= set(map(id, two.app.router.routes))
    finally:
        first.close()
        second.close()
