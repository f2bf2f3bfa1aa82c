"""``opportune user`` and ``opportune token`` on every database engine."""

from __future__ import annotations

from opportune import Opportune, User
from opportune.domain.users import Role
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_user_create_works_on_an_empty_database_and_the_user_can_sign_in(
    run: Run, core: Opportune
) -> None:
    record = ok_json(
        run("user", "create", "--name", "Ada Ng", "--email", "Ada@Example.com", "--role", "admin",
            "--password", "s3cret-passphrase", "--json")
    )  # fmt: skip
    assert record["email"] == "ada@example.com"
    assert "password_hash" not in record
    assert core.auth.authenticate("ada@example.com", "s3cret-passphrase").id == record["id"]


def test_user_create_asks_for_the_password_twice_without_echoing_it(
    run: Run, core: Opportune
) -> None:
    result = run(
        "user", "create", "--name", "Rae", "--email", "rae@example.com", "--role", "rep",
        input="first-try-1\nother-try-2\nright-pass-3\nright-pass-3\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "right-pass-3" not in result.output
    assert core.auth.authenticate("rae@example.com", "right-pass-3").role is Role.REP


def test_user_create_refuses_bad_input_in_one_line_and_creates_nobody(
    run: Run, core: Opportune
) -> None:
    result = run("user", "create", "--name", "X", "--email", "nope", "--role", "boss",
                 "--password", "short")  # fmt: skip
    line = one_error_line(result, 2)
    assert "email:" in line and "role:" in line and "password:" in line
    assert core.users.count() == 0


def test_user_create_refuses_a_taken_email(run: Run, core: Opportune, admin: User) -> None:
    result = run("user", "create", "--name", "Again", "--email", admin.email, "--role", "rep",
                 "--password", "long-enough-pass")  # fmt: skip
    assert "already exists" in one_error_line(result, 2)
    assert core.users.count() == 1


def test_user_list_shows_every_user(run: Run, admin: User, rep: User) -> None:
    records = ok_json(run("user", "list", "--json"))
    assert [(r["email"], r["role"]) for r in records] == [
        (admin.email, "admin"), (rep.email, "rep"),
    ]  # fmt: skip
    table = run("user", "list")
    assert table.exit_code == 0
    assert "Rae Rep" in table.stdout and "manager" not in table.stdout


def test_token_create_prints_a_working_token_once(run: Run, core: Opportune, rep: User) -> None:
    result = run("token", "create", "--user", rep.email, "--name", "laptop")
    assert result.exit_code == 0, result.output
    token = next(line for line in result.stdout.splitlines() if line.startswith("opp_"))
    assert "not" in result.stdout.lower() and "again" in result.stdout
    assert core.auth.user_for_token(token).id == rep.id
    stored = core.auth.list_tokens(None, rep.id or 0)
    assert token not in str(stored)


def test_token_create_json_has_the_token_and_expiry(run: Run, core: Opportune, rep: User) -> None:
    data = ok_json(run("token", "create", "--user", rep.email, "--name", "ci",
                       "--expires-days", "30", "--json"))  # fmt: skip
    assert data["user_id"] == rep.id and data["expires_at"]
    assert core.auth.user_for_token(data["token"]).id == rep.id


def test_token_create_refusals(run: Run, core: Opportune, rep: User) -> None:
    assert "nobody@example.com" in one_error_line(
        run("token", "create", "--user", "nobody@example.com", "--name", "x"), 3
    )
    assert "expires_in_days" in one_error_line(
        run("token", "create", "--user", rep.email, "--name", "x", "--expires-days", "0"), 2
    )
    assert core.auth.list_tokens(None, rep.id or 0) == []
