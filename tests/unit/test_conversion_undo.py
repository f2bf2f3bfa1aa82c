"""Undo rules: undo only what nobody changed since, or keep changed records with force."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from opportune.domain.conversion import (
    ActivityLink,
    ConversionRecord,
    MergedFields,
    UndoBlocker,
    UndoPlan,
    UndoState,
    plan_undo,
)

RECORD = ConversionRecord(
    lead_id=42,
    converted_at=datetime(2026, 11, 27, 12, tzinfo=UTC),
    converted_by_id=1,
    lead_status_id=2,
    account_id=7,
    contact_id=8,
    opportunity_id=9,
    created={"contact": (8, 1), "opportunity": (9, 1)},
    merged={
        "account": MergedFields(7, {"website": (None, "acme.example"), "phone": (None, "+1 555")})
    },
    role_id=30,
    activities=(
        ActivityLink(
            5,
            {
                "lead_id": 42,
                "contact_id": None,
                "account_id": None,
                "opportunity_id": None,
                "owner_id": 1,
            },
            2,
        ),
    ),
)
UNTOUCHED = UndoState(
    versions={("contact", 8): 1, ("opportunity", 9): 1, ("activity", 5): 2},
    values={"account": {"website": "acme.example", "phone": "+1 555"}},
)


def ok(result: UndoPlan | list[UndoBlocker]) -> UndoPlan:
    assert isinstance(result, UndoPlan), result
    return result


def blocked(result: UndoPlan | list[UndoBlocker]) -> list[tuple[str, int, str]]:
    assert isinstance(result, list), result
    return [(b.kind, b.record_id, b.message) for b in result]


def test_undo_of_an_untouched_conversion_reverses_everything() -> None:
    plan = ok(plan_undo(RECORD, UNTOUCHED))
    assert plan.delete == (("opportunity", 9), ("contact", 8))
    assert plan.keep == ()
    assert plan.restore == {"account": (7, {"website": None, "phone": None})}
    assert [a.activity_id for a in plan.activities] == [5]
    assert plan.delete_role is None  # it goes with the opportunity
    assert plan.lead_status_id == 2


def test_a_changed_created_record_blocks_undo() -> None:
    state = dataclasses.replace(UNTOUCHED, versions={**UNTOUCHED.versions, ("contact", 8): 3})
    assert blocked(plan_undo(RECORD, state)) == [("contact", 8, "The contact was changed since")]


def test_a_deleted_created_record_blocks_undo() -> None:
    state = dataclasses.replace(
        UNTOUCHED, versions={**UNTOUCHED.versions, ("opportunity", 9): None}
    )
    assert blocked(plan_undo(RECORD, state)) == [
        ("opportunity", 9, "The opportunity was deleted since")
    ]


def test_records_attached_since_block_undo() -> None:
    state = dataclasses.replace(UNTOUCHED, attached={("opportunity", 9): 2})
    assert blocked(plan_undo(RECORD, state)) == [
        ("opportunity", 9, "2 records added to the opportunity since")
    ]


def test_a_changed_filled_field_blocks_undo_and_force_leaves_it() -> None:
    state = dataclasses.replace(
        UNTOUCHED, values={"account": {"website": "acme.io", "phone": "+1 555"}}
    )
    assert blocked(plan_undo(RECORD, state)) == [
        ("account", 7, "Field 'website' of the account was changed since")
    ]
    plan = ok(plan_undo(RECORD, state, force=True))
    assert plan.restore == {"account": (7, {"phone": None})}
    assert plan.delete == (("opportunity", 9), ("contact", 8))


def test_a_changed_activity_blocks_undo_and_force_leaves_it_where_it_is() -> None:
    state = dataclasses.replace(UNTOUCHED, versions={**UNTOUCHED.versions, ("activity", 5): 3})
    assert blocked(plan_undo(RECORD, state)) == [("activity", 5, "It was changed since")]
    assert ok(plan_undo(RECORD, state, force=True)).activities == ()


def test_force_keeps_a_changed_record_and_the_account_it_needs() -> None:
    record = dataclasses.replace(
        RECORD, created={"account": (7, 1), "contact": (8, 1), "opportunity": (9, 1)}, merged={}
    )
    versions = {("account", 7): 1, ("contact", 8): 2, ("opportunity", 9): 1, ("activity", 5): 2}
    plan = ok(plan_undo(record, UndoState(versions, {}), force=True))
    assert plan.keep == (("contact", 8), ("account", 7))
    assert plan.delete == (("opportunity", 9),)
    assert [(b.kind, b.record_id) for b in plan.blockers] == [("contact", 8)]


def test_a_kept_opportunity_loses_the_role_the_conversion_added() -> None:
    state = dataclasses.replace(UNTOUCHED, versions={**UNTOUCHED.versions, ("opportunity", 9): 2})
    plan = ok(plan_undo(RECORD, state, force=True))
    assert plan.keep == (("opportunity", 9),)
    assert plan.delete == (("contact", 8),)
    assert plan.delete_role == 30


def test_every_blocker_is_listed() -> None:
    state = UndoState(
        versions={("contact", 8): 2, ("opportunity", 9): None, ("activity", 5): 9},
        values={"account": {}},
        attached={("contact", 8): 1},
    )
    assert len(blocked(plan_undo(RECORD, state))) == 6
