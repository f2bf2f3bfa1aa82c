"""Sign-in throttling, ending sessions, token scopes and their audit trail, on every engine."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from opportune import AuthenticationError, Opportune, PermissionDeniedError, User
from opportune.db import tables as t
from opportune.domain.imports.records import prepare
from opportune.domain.imports.values import Formats
from opportune.errors import RateLimitError, ValidationError
from opportune.services import exports
from opportune.services.audit_trail import set_client_ip
from tests.conftest import PASSWORD


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(core: Opportune) -> Iterator[Clock]:
    """Sign-in and sessions on a hand-moved clock; requests from 203.0.113.7."""
    moved = Clock()
    core.auth.clock = moved
    core.sessions.clock = moved
    set_client_ip("203.0.113.7")
    yield moved
    set_client_ip(None)


def audit_entries(core: Opportune, prefix: str = "") -> list[dict[str, Any]]:
    """Audit entries whose action starts with ``prefix``, oldest first."""
    stmt = select(t.audit_log).where(t.audit_log.c.action.startswith(prefix))
    with core.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt.order_by(t.audit_log.c.id)).mappings()]


def fail(core: Opportune, email: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationError):
            core.auth.authenticate(email, "wrong-password-1")


def test_five_failures_lock_the_email_even_for_the_right_password(
    core: Opportune, rep: User, clock: Clock
) -> None:
    fail(core, rep.email, 5)
    with pytest.raises(RateLimitError) as caught:
        core.auth.authenticate(rep.email, PASSWORD)
    assert caught.value.code == "LOGIN_LOCKED"
    assert caught.value.retry_after == 15 * 60
    assert "locked" in caught.value.message


def test_the_lock_ends_when_the_window_has_passed(core: Opportune, rep: User, clock: Clock) -> None:
    fail(core, rep.email, 5)
    clock.advance(minutes=14)
    with pytest.raises(RateLimitError) as caught:
        core.auth.authenticate(rep.email, PASSWORD)
    assert caught.value.retry_after == 60
    clock.advance(minutes=1)
    assert core.auth.authenticate(rep.email, PASSWORD).id == rep.id


def test_attempts_while_locked_do_not_extend_the_lock(
    core: Opportune, rep: User, clock: Clock
) -> None:
    fail(core, rep.email, 5)
    for _ in range(3):
        clock.advance(minutes=4)
        with pytest.raises(RateLimitError):
            core.auth.authenticate(rep.email, "wrong-password-1")
    clock.advance(minutes=3)
    assert core.auth.authenticate(rep.email, PASSWORD).id == rep.id


def test_a_successful_sign_in_resets_the_count_of_failures(
    core: Opportune, rep: User, clock: Clock
) -> None:
    fail(core, rep.email, 4)
    core.auth.authenticate(rep.email, PASSWORD)
    fail(core, rep.email, 4)
    assert core.auth.authenticate(rep.email, PASSWORD).id == rep.id


def test_one_email_locked_leaves_other_users_alone(
    core: Opportune, rep: User, manager: User, clock: Clock
) -> None:
    fail(core, rep.email, 5)
    assert core.auth.authenticate(manager.email, PASSWORD).id == manager.id


def test_one_address_failing_for_many_emails_is_throttled_too(
    core: Opportune, rep: User, clock: Clock
) -> None:
    core.auth.policy = type(core.auth.policy)(max_failures=5, ip_max_failures=8)
    for n in range(8):
        fail(core, f"guess{n}@example.com", 1)
    with pytest.raises(RateLimitError):
        core.auth.authenticate(rep.email, PASSWORD)
    set_client_ip("198.51.100.1")
    assert core.auth.authenticate(rep.email, PASSWORD).id == rep.id


def test_sign_ins_are_audited_with_the_address_and_never_the_password(
    core: Opportune, rep: User, clock: Clock
) -> None:
    fail(core, rep.email, 5)
    with pytest.raises(RateLimitError):
        core.auth.authenticate(rep.email, PASSWORD)
    clock.advance(minutes=20)
    core.auth.authenticate(rep.email, PASSWORD)
    entries = audit_entries(core, "login.")
    actions = [e["action"] for e in entries]
    assert actions == ["login.failed"] * 5 + ["login.locked", "login.succeeded"]
    assert {e["ip"] for e in entries} == {"203.0.113.7"}
    assert entries[-1]["actor_id"] == rep.id and entries[0]["actor_id"] is None
    assert all(e["details"]["email"] == rep.email for e in entries)
    assert PASSWORD not in repr(entries) and "wrong-password-1" not in repr(entries)


def test_checking_the_demo_password_is_not_a_sign_in(core: Opportune, rep: User) -> None:
    assert core.auth.password_matches(rep.email, PASSWORD)
    assert not core.auth.password_matches(rep.email, "wrong-password-1")
    assert audit_entries(core, "login.") == []


def test_signing_out_everywhere_ends_sessions_and_optionally_tokens(
    core: Opportune, rep: User, clock: Clock
) -> None:
    assert rep.id is not None
    kept = core.auth.create_token(rep, rep.id, "kept")
    ended = core.sessions.sign_out_everywhere(rep, rep.id)
    assert ended.tokens_revoked == 0
    assert core.users.get(rep.id).sessions_valid_after == clock.now
    assert core.auth.user_for_token(kept.token).id == rep.id
    ended = core.sessions.sign_out_everywhere(rep, rep.id, revoke_tokens=True)
    assert ended.tokens_revoked == 1
    with pytest.raises(AuthenticationError):
        core.auth.user_for_token(kept.token)
    details = [e["details"] for e in audit_entries(core, "logout.everywhere")]
    assert details == [{"tokens_revoked": 0}, {"tokens_revoked": 1}]


def test_only_an_admin_signs_someone_else_out(
    core: Opportune, admin: User, rep: User, manager: User, clock: Clock
) -> None:
    assert rep.id is not None
    with pytest.raises(PermissionDeniedError):
        core.sessions.sign_out_everywhere(manager, rep.id)
    assert core.users.get(rep.id).sessions_valid_after is None
    core.sessions.sign_out_everywhere(admin, rep.id)
    assert core.users.get(rep.id).sessions_valid_after == clock.now
    assert audit_entries(core, "logout.everywhere")[0]["actor_id"] == admin.id


def test_a_new_password_ends_the_users_sessions(core: Opportune, admin: User, rep: User) -> None:
    assert rep.id is not None
    core.users.update(admin, rep.id, {"password": "a-brand-new-passphrase"})
    assert core.users.get(rep.id).sessions_valid_after is not None


def test_a_password_shorter_than_twelve_characters_is_refused(core: Opportune, admin: User) -> None:
    data = {"name": "Sam", "email": "sam@example.com", "role": "rep", "password": "elevenchars"}
    with pytest.raises(ValidationError) as caught:
        core.users.create(admin, data)
    assert caught.value.fields[0].field == "password"
    assert "12" in caught.value.fields[0].message
    core.users.create(admin, {**data, "password": "twelve-chars"})


def test_a_rep_raising_their_own_role_is_refused_and_audited(core: Opportune, rep: User) -> None:
    assert rep.id is not None
    with pytest.raises(PermissionDeniedError):
        core.users.update(rep, rep.id, {"role": "admin"})
    assert core.users.get(rep.id).role.value == "rep"
    [entry] = audit_entries(core, "access.refused")
    assert entry["actor_id"] == rep.id and entry["object_id"] == rep.id
    assert entry["details"] == {"attempted": "user.change", "fields": ["role"]}


def test_tokens_get_read_and_write_by_default_and_admin_only_for_admins(
    core: Opportune, admin: User, rep: User
) -> None:
    assert rep.id is not None and admin.id is not None
    assert core.auth.create_token(rep, rep.id, "default").scopes == ("read", "write")
    assert core.auth.create_token(None, admin.id, "all", scopes="admin read").scopes == (
        "read", "admin",
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        core.auth.create_token(None, rep.id, "too much", scopes=["read", "admin"])
    assert caught.value.fields[0].field == "scopes"
    listed = core.auth.list_tokens(rep, rep.id)
    assert [row["scopes"] for row in listed] == [["read", "write"]]


def test_token_creation_use_and_revocation_are_audited_without_secrets(
    core: Opportune, rep: User, clock: Clock
) -> None:
    assert rep.id is not None
    issued = core.auth.create_token(rep, rep.id, "script", scopes="read")
    core.auth.token_access(issued.token)
    core.auth.token_access(issued.token)  # within a minute: not audited again
    clock.advance(minutes=2)
    core.auth.token_access(issued.token)
    core.auth.revoke_token(rep, rep.id, issued.id)
    actions = [e["action"] for e in audit_entries(core, "token.")]
    assert actions == ["token.created", "token.used", "token.used", "token.revoked"]
    assert issued.token not in repr(audit_entries(core))


def test_a_guessed_or_revoked_token_is_refused_and_audited_with_its_prefix_only(
    core: Opportune, rep: User, clock: Clock
) -> None:
    assert rep.id is not None
    guess = "opp_" + "x" * 43
    with pytest.raises(AuthenticationError):
        core.auth.token_access(guess)
    issued = core.auth.create_token(rep, rep.id, "old")
    core.auth.revoke_token(rep, rep.id, issued.id)
    with pytest.raises(AuthenticationError):
        core.auth.token_access(issued.token)
    refused = audit_entries(core, "token.refused")
    assert [e["details"]["reason"] for e in refused] == ["unknown", "revoked"]
    assert refused[0]["details"]["prefix"] == guess[:12]
    assert refused[1]["details"]["token_id"] == issued.id
    assert all(e["actor_id"] is None and e["ip"] == "203.0.113.7" for e in refused)
    assert issued.token not in repr(refused) and guess not in repr(refused)


def test_exports_guard_formula_text_but_keep_negative_numbers(core: Opportune, admin: User) -> None:
    lead = {"last_name": "=HYPERLINK(\"http://evil\")", "company": "@SUM(A1)",
            "phone": "+44 20 7946 0000", "title": "Plain", "annual_revenue": "1500"}  # fmt: skip
    core.leads.create(admin, lead)
    text = "".join(core.exports.stream(admin, "lead"))
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["last_name"] == '\'=HYPERLINK("http://evil")'
    assert row["company"] == "'@SUM(A1)" and row["phone"] == "'+44 20 7946 0000"
    assert row["title"] == "Plain" and row["annual_revenue"].startswith("1500")
    assert exports.cell(Decimal("-5")) == "-5" and exports.cell(-5) == "-5"  # numbers stay numbers
    assert exports.cell("-5") == "'-5"  # text that looks like a formula does not


def test_importing_strips_the_guard_an_export_added() -> None:
    cells = {"last_name": "'=1+1", "company": "'@Acme", "title": "'quoted'"}
    prepared = prepare("lead", cells, Formats())
    assert prepared == {"last_name": "=1+1", "company": "@Acme", "title": "'quoted'"}
