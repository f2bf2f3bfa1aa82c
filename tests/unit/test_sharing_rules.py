"""The record access rules, without a database."""

from __future__ import annotations

import pytest

from opportune.domain.sharing import (
    DEFAULT_ORG_ACCESS,
    Access,
    OrgAccess,
    Share,
    ShareAccess,
    Viewer,
    check_manager_chain,
    clean_object_type,
    clean_org_access,
    record_access,
)
from opportune.errors import ValidationError


def rep(user_id: int = 10, *, below: tuple[int, ...] = (), queues: tuple[int, ...] = (),
        **defaults: OrgAccess) -> Viewer:  # fmt: skip
    return Viewer(user_id, False, frozenset({user_id, *below}), frozenset(queues),
                  {**DEFAULT_ORG_ACCESS, **defaults})  # fmt: skip


def test_the_default_org_access_keeps_leads_and_opportunities_private() -> None:
    assert DEFAULT_ORG_ACCESS["lead"] is OrgAccess.PRIVATE
    assert DEFAULT_ORG_ACCESS["opportunity"] is OrgAccess.PRIVATE
    assert DEFAULT_ORG_ACCESS["account"] is OrgAccess.READ
    assert DEFAULT_ORG_ACCESS["contact"] is OrgAccess.READ


def test_a_rep_edits_their_own_record_and_cannot_see_someone_elses_private_one() -> None:
    assert record_access(rep(), "lead", owner_id=10) is Access.EDIT
    assert record_access(rep(), "lead", owner_id=11) is Access.NONE


def test_a_manager_edits_what_anyone_below_them_owns() -> None:
    manager = rep(1, below=(10, 11))
    assert record_access(manager, "opportunity", owner_id=11) is Access.EDIT
    assert record_access(manager, "opportunity", owner_id=12) is Access.NONE


def test_an_admin_edits_everything() -> None:
    admin = Viewer(1, True, frozenset({1}), frozenset(), DEFAULT_ORG_ACCESS)
    assert record_access(admin, "lead", owner_id=99) is Access.EDIT


def test_public_read_only_lets_everyone_read_but_not_edit() -> None:
    assert record_access(rep(), "account", owner_id=11) is Access.READ
    assert record_access(rep(account=OrgAccess.READ_WRITE), "account", owner_id=11) is Access.EDIT
    assert record_access(rep(account=OrgAccess.PRIVATE), "account", owner_id=11) is Access.NONE


def test_queue_members_edit_the_queues_leads() -> None:
    assert record_access(rep(queues=(5,)), "lead", owner_id=11, queue_id=5) is Access.EDIT
    assert record_access(rep(queues=(6,)), "lead", owner_id=11, queue_id=5) is Access.NONE


def test_a_share_grants_its_access_to_the_user_or_the_queues_members() -> None:
    read_share, edit_share = (
        Share(ShareAccess.READ, user_id=10),
        Share(ShareAccess.EDIT, queue_id=7),
    )
    assert record_access(rep(), "lead", 11, shares=[read_share]) is Access.READ
    assert record_access(rep(queues=(7,)), "lead", 11, shares=[edit_share]) is Access.EDIT
    assert record_access(rep(12), "lead", 11, shares=[read_share, edit_share]) is Access.NONE


def test_the_best_grant_wins_when_several_apply() -> None:
    shares = [Share(ShareAccess.EDIT, user_id=10)]
    assert record_access(rep(), "account", owner_id=11, shares=shares) is Access.EDIT


def test_a_reporting_line_cannot_loop() -> None:
    with pytest.raises(ValidationError) as caught:
        check_manager_chain(1, 2, chain=[2, 3, 1])
    assert caught.value.fields[0].field == "manager_id"
    with pytest.raises(ValidationError):
        check_manager_chain(1, 1, chain=[])
    check_manager_chain(1, 2, chain=[2, 3])  # a line that ends is fine


def test_bad_object_and_access_names_are_refused_naming_the_field() -> None:
    assert clean_object_type(" Lead ") == "lead"
    with pytest.raises(ValidationError) as caught:
        clean_object_type("task")
    assert caught.value.fields[0].field == "object_type"
    with pytest.raises(ValidationError) as caught:
        clean_org_access("public")
    assert caught.value.fields[0].field == "access"
