"""Users, sign-in, API tokens and the lead picklists, on every database engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opportune import (
    AuthenticationError,
    Opportune,
    PermissionDeniedError,
    User,
    ValidationError,
)
from opportune.services.auth import AuthService
from tests.conftest import PASSWORD


def test_sign_in_needs_the_right_password_and_an_active_user(
    core: Opportune, admin: User, rep: User
) -> None:
    assert core.auth.authenticate("RAE.REP@example.com", PASSWORD).id == rep.id
    for email, password in ((rep.email, "wrong-password"), ("nobody@example.com", PASSWORD)):
        with pytest.raises(AuthenticationError) as exc:
            core.auth.authenticate(email, password)
        assert exc.value.code == "INVALID_LOGIN"
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(AuthenticationError):
        core.auth.authenticate(rep.email, PASSWORD)


def test_passwords_are_stored_hashed(core: Opportune, rep: User) -> None:
    stored = core.users.get(rep.id or 0).password_hash
    assert PASSWORD not in stored and stored.startswith("$argon2id$")


def test_a_token_authenticates_until_revoked(core: Opportune, rep: User) -> None:
    issued = core.auth.create_token(rep, rep.id or 0, "script")
    assert core.auth.user_for_token(issued.token).id == rep.id
    listed = core.auth.list_tokens(rep, rep.id or 0)
    assert [t["name"] for t in listed] == ["script"] and "token_hash" not in listed[0]
    core.auth.revoke_token(rep, rep.id or 0, issued.id)
    with pytest.raises(AuthenticationError):
        core.auth.user_for_token(issued.token)


def test_an_expired_token_or_an_inactive_users_token_is_refused(
    core: Opportune, admin: User, rep: User
) -> None:
    issued = core.auth.create_token(None, rep.id or 0, "cron", expires_in_days=1)
    later = AuthService(core.engine, core.auth.hasher, lambda: datetime.now(UTC) + timedelta(2))
    with pytest.raises(AuthenticationError):
        later.user_for_token(issued.token)
    fresh = core.auth.create_token(None, rep.id or 0, "cron2")
    core.users.update(admin, rep.id or 0, {"is_active": False})
    with pytest.raises(AuthenticationError):
        core.auth.user_for_token(fresh.token)


def test_reps_cannot_make_tokens_for_others_or_manage_users(
    core: Opportune, admin: User, rep: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        core.auth.create_token(rep, admin.id or 0, "steal")
    with pytest.raises(PermissionDeniedError):
        core.users.create(rep, {"name": "X", "email": "x@example.com", "role": "rep",
                                "password": PASSWORD})  # fmt: skip


def test_user_emails_are_unique_ignoring_case(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.users.create(admin, {"name": "Dup", "email": "ADA.ADMIN@example.com",
                                  "role": "rep", "password": PASSWORD})  # fmt: skip
    assert exc.value.fields[0].code == "DUPLICATE_VALUE"
    assert core.users.count() == 1


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    core: Opportune, admin: User
) -> None:
    for change in ({"role": "rep"}, {"is_active": False}):
        with pytest.raises(ValidationError):
            core.users.update(admin, admin.id or 0, change)
    assert core.users.get(admin.id or 0).role.value == "admin"


def test_making_a_status_the_default_moves_the_default(core: Opportune, admin: User) -> None:
    working = core.picklists.lead_picklists().statuses[1]
    core.picklists.save_status(admin, {"is_default": True}, working.id)
    statuses = core.picklists.lead_picklists().statuses
    assert [s.label for s in statuses if s.is_default] == ["Working - Contacted"]
    lead = core.leads.create(admin, {"last_name": "Ng", "company": "A"})
    assert lead.status_id == working.id


def test_the_status_list_must_stay_valid(core: Opportune, admin: User) -> None:
    statuses = core.picklists.lead_picklists().statuses
    with pytest.raises(ValidationError):
        core.picklists.save_status(admin, {"is_default": False}, statuses[0].id)
    with pytest.raises(ValidationError):
        core.picklists.save_status(admin, {"is_active": False}, statuses[2].id)
    with pytest.raises(ValidationError) as exc:
        core.picklists.save_status(admin, {"label": "open - not contacted"})
    assert exc.value.fields[0].code == "DUPLICATE_VALUE"
    assert core.picklists.lead_picklists().statuses == statuses


def test_admins_add_sources_and_retire_them(core: Opportune, admin: User, rep: User) -> None:
    fair = core.picklists.save_value(admin, "lead_sources", {"label": "Trade Show"})
    core.leads.create(rep, {"last_name": "Ng", "company": "A", "lead_source": "trade show"})
    core.picklists.save_value(admin, "lead_sources", {"is_active": False}, fair.id)
    with pytest.raises(ValidationError):
        core.leads.create(rep, {"last_name": "Li", "company": "A", "lead_source": "Trade Show"})
    with pytest.raises(PermissionDeniedError):
        core.picklists.save_value(rep, "lead_sources", {"label": "Sneaky"})
    with pytest.raises(ValidationError) as exc:
        core.picklists.save_value(admin, "lead_sources", {"label": "Web", "is_default": True})
    assert exc.value.fields[0].field == "is_default"


def test_source_and_reason_labels_are_unique_ignoring_case(core: Opportune, admin: User) -> None:
    for table, existing in (("lead_sources", "WEB"), ("lead_close_reasons", "no budget")):
        with pytest.raises(ValidationError) as exc:
            core.picklists.save_value(admin, table, {"label": existing})  # type: ignore[arg-type]
        assert exc.value.fields[0].code == "DUPLICATE_VALUE"
    sources = core.picklists.lead_picklists().sources
    renamed = core.picklists.save_value(admin, "lead_sources", {"label": "web"}, sources[0].id)
    assert renamed.label == "web"
