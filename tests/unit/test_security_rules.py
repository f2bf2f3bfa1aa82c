"""Pure security rules: token scopes, the sign-in lockout, session expiry, CSV guards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune.domain.security import (
    allowed_scopes,
    clean_scopes,
    locked_for,
    parse_scopes,
    scope_needed,
    session_problem,
)
from opportune.domain.spreadsheet import guard_formula, unguard_formula
from opportune.domain.users import Role, User
from opportune.errors import ValidationError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ADMIN = User("Ada", "ada@example.com", Role.ADMIN, id=1)
REP = User("Rae", "rae@example.com", Role.REP, id=2)
WINDOW = timedelta(minutes=15)


def test_a_new_token_reads_and_writes_unless_told_otherwise() -> None:
    assert clean_scopes(None, REP) == ("read", "write")


def test_scopes_are_accepted_as_a_string_or_a_list_in_any_order_and_case() -> None:
    assert clean_scopes("Admin, read", ADMIN) == ("read", "admin")
    assert clean_scopes(["write", "read", "read"], REP) == ("read", "write")


@pytest.mark.parametrize("raw", ["delete", "", [], ["read", "root"]])
def test_unknown_or_missing_scopes_are_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_scopes(raw, ADMIN)  # type: ignore[arg-type]
    assert caught.value.fields[0].field == "scopes"


def test_only_an_administrator_token_may_have_the_admin_scope() -> None:
    with pytest.raises(ValidationError, match="administrator"):
        clean_scopes("read admin", REP)
    assert allowed_scopes(REP) == ("read", "write")
    assert allowed_scopes(ADMIN) == ("read", "write", "admin")


def test_reads_need_read_writes_need_write_and_administration_admin() -> None:
    assert scope_needed("GET", admin_endpoint=False) == "read"
    assert scope_needed("head", admin_endpoint=False) == "read"
    assert scope_needed("DELETE", admin_endpoint=False) == "write"
    assert scope_needed("GET", admin_endpoint=True) == "admin"
    assert parse_scopes("read write") == {"read", "write"}
    assert parse_scopes(None) == frozenset()


def test_fewer_failures_than_the_limit_lock_nothing() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (4, 3, 2, 1)]
    assert locked_for(failures, 5, WINDOW, NOW) == 0


def test_the_limit_of_failures_locks_until_the_window_after_the_oldest_counted_one() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (10, 4, 3, 2, 1)]
    assert locked_for(failures, 5, WINDOW, NOW) == 5 * 60


def test_failures_older_than_the_window_do_not_count() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (40, 30, 20, 2, 1)]
    assert locked_for(failures, 5, WINDOW, NOW) == 0


def test_a_session_started_before_a_sign_out_is_over() -> None:
    started = (NOW - timedelta(hours=1)).timestamp()
    problem = session_problem(started=started, seen=None, valid_after=NOW - timedelta(minutes=5),
                              now=NOW, max_age_seconds=86400, idle_minutes=0)  # fmt: skip
    assert problem == "signed out"


def test_a_session_started_after_the_sign_out_is_valid() -> None:
    started = (NOW - timedelta(minutes=1)).timestamp()
    problem = session_problem(started=started, seen=None, valid_after=NOW - timedelta(minutes=5),
                              now=NOW, max_age_seconds=86400, idle_minutes=0)  # fmt: skip
    assert problem is None


def test_a_session_expires_after_its_maximum_age_however_active() -> None:
    started = (NOW - timedelta(hours=25)).timestamp()
    problem = session_problem(started=started, seen=NOW.timestamp(), valid_after=None, now=NOW,
                              max_age_seconds=86400, idle_minutes=0)  # fmt: skip
    assert problem == "expired"


def test_an_idle_session_ends_only_when_an_idle_limit_is_set() -> None:
    started = (NOW - timedelta(hours=2)).timestamp()
    seen = (NOW - timedelta(minutes=31)).timestamp()
    common = {"started": started, "seen": seen, "valid_after": None, "now": NOW,
              "max_age_seconds": 86400}  # fmt: skip
    assert session_problem(**common, idle_minutes=30) == "idle"  # type: ignore[arg-type]
    assert session_problem(**common, idle_minutes=0) is None  # type: ignore[arg-type]
    assert session_problem(**common, idle_minutes=60) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["=1+1", "+44 20 7946 0000", "-2+3", "@SUM(A1)", "\tx", "\r=x", '=HYPERLINK("x")']
)
def test_formula_like_text_gets_an_apostrophe_that_the_import_removes(text: str) -> None:
    guarded = guard_formula(text)
    assert guarded == "'" + text
    assert unguard_formula(guarded) == text


@pytest.mark.parametrize("text", ["Acme", "it's", "'quoted'", "", "1-800", "a=b"])
def test_ordinary_text_is_left_alone_both_ways(text: str) -> None:
    assert guard_formula(text) == text
    assert unguard_formula(text) == text
