"""Token scopes, signing out everywhere and password length, from the command line."""

from __future__ import annotations

from opportune import Opportune, User
from tests.e2e.cli.conftest import Run, ok_json, one_error_line


def test_token_create_takes_scopes_and_defaults_to_read_and_write(
    run: Run, core: Opportune, rep: User, admin: User
) -> None:
    default = ok_json(run("token", "create", "--user", rep.email, "--name", "a", "--json"))
    assert default["scopes"] == ["read", "write"]
    read = ok_json(run("token", "create", "--user", rep.email, "--name", "b", "--scope", "read",
                       "--json"))  # fmt: skip
    assert read["scopes"] == ["read"]
    assert core.auth.token_access(read["token"]).scopes == {"read"}
    full = ok_json(run("token", "create", "--user", admin.email, "--name", "c", "--scope", "read",
                       "--scope", "write", "--scope", "admin", "--json"))  # fmt: skip
    assert full["scopes"] == ["read", "write", "admin"]


def test_token_create_refuses_the_admin_scope_for_a_rep(
    run: Run, core: Opportune, rep: User
) -> None:
    result = run("token", "create", "--user", rep.email, "--name", "x", "--scope", "admin")
    assert "scopes" in one_error_line(result, 2)
    assert core.auth.list_tokens(None, rep.id or 0) == []


def test_user_logout_everywhere_ends_sessions_and_can_revoke_tokens(
    run: Run, core: Opportune, rep: User
) -> None:
    assert rep.id is not None
    token = core.auth.create_token(None, rep.id, "script").token
    result = run("user", "logout-everywhere", rep.email)
    assert result.exit_code == 0, result.output
    assert core.users.get(rep.id).sessions_valid_after is not None
    assert core.auth.user_for_token(token).id == rep.id
    result = run("user", "logout-everywhere", rep.email, "--revoke-tokens")
    assert "1 API token(s) revoked" in result.output
    assert core.auth.list_tokens(None, rep.id)[0]["revoked_at"] is not None


def test_user_create_refuses_a_password_under_twelve_characters(run: Run, core: Opportune) -> None:
    result = run("user", "create", "--name", "Sam", "--email", "sam@example.com", "--role", "rep",
                 "--password", "elevenchars")  # fmt: skip
    assert "12" in one_error_line(result, 2)
    assert core.users.count() == 0
