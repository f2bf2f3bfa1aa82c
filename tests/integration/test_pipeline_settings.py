"""Administering the stage list and the lost reasons, on every database engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from opportune import NotFoundError, Opportune, PermissionDeniedError, User, ValidationError
from opportune.db import tables as t
from opportune.domain.stages import DEFAULT_LOST_REASONS, DEFAULT_STAGES


def stage_id(core: Opportune, label: str) -> int:
    return next(s.id for s in core.pipeline.stages() if s.label == label)


def add_account(core: Opportune, owner: User) -> int:
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now, "created_by_id": owner.id}
    values = {"name": "Acme", "owner_id": owner.id, "updated_by_id": owner.id, **stamps}
    with core.engine.begin() as conn:
        result = conn.execute(insert(t.accounts).values(values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def test_the_default_stages_and_lost_reasons_are_there_in_order(core: Opportune) -> None:
    stages = core.pipeline.stages()
    assert [s.label for s in stages] == [row[0] for row in DEFAULT_STAGES]
    won = next(s for s in stages if s.label == "Closed Won")
    assert (won.probability, won.forecast_category, won.is_closed, won.is_won) == (
        100, "Closed", True, True,
    )  # fmt: skip
    assert [r.label for r in core.pipeline.lost_reasons()] == list(DEFAULT_LOST_REASONS)


def test_an_admin_adds_a_stage_which_goes_last_unless_placed(core: Opportune, admin: User) -> None:
    last = core.pipeline.save_stage(
        admin, {"label": "On Hold", "probability": 5, "forecast_category": "omitted"}
    )
    placed = core.pipeline.save_stage(
        admin,
        {"label": "Demo", "probability": "40", "forecast_category": "Best Case", "sort_order": 25},
    )
    labels = [s.label for s in core.pipeline.stages()]
    assert labels[-1] == "On Hold" and labels[2] == "Demo"
    assert (last.forecast_category, last.is_active, last.is_closed) == ("Omitted", True, False)
    assert placed.probability == 40


def test_only_an_admin_changes_the_stage_list(core: Opportune, manager: User, rep: User) -> None:
    for actor in (manager, rep):
        with pytest.raises(PermissionDeniedError):
            core.pipeline.save_stage(
                actor, {"label": "X", "probability": 5, "forecast_category": "Pipeline"}
            )
        with pytest.raises(PermissionDeniedError):
            core.pipeline.save_lost_reason(actor, {"label": "Y"})
    assert len(core.pipeline.stages()) == len(DEFAULT_STAGES)
    assert len(core.pipeline.lost_reasons()) == len(DEFAULT_LOST_REASONS)


@pytest.mark.parametrize(
    ("label", "change"),
    [
        ("Closed Won", {"is_active": False}),
        ("Closed Lost", {"is_active": False}),
        ("Closed Lost", {"is_won": True}),
        ("Closed Won", {"is_closed": False, "is_won": False}),
    ],
)
def test_the_last_active_won_or_lost_stage_cannot_go(
    core: Opportune, admin: User, label: str, change: dict[str, object]
) -> None:
    before = core.pipeline.stages()
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(admin, change, stage_id(core, label))
    assert {f.code for f in exc.value.fields} == {"INVALID_STAGE"}
    assert core.pipeline.stages() == before


def test_the_last_active_open_stage_cannot_be_deactivated(core: Opportune, admin: User) -> None:
    open_stages = [s for s in core.pipeline.stages() if not s.is_closed]
    for stage in open_stages[:-1]:
        core.pipeline.save_stage(admin, {"is_active": False}, stage.id)
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(admin, {"is_active": False}, open_stages[-1].id)
    assert exc.value.fields[0].field == "is_closed"
    assert [s.label for s in core.pipeline.stages() if s.is_active] == [
        open_stages[-1].label, "Closed Won", "Closed Lost",
    ]  # fmt: skip


def test_a_bad_stage_is_refused_naming_each_field(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(
            admin, {"label": "Bad", "probability": 101, "forecast_category": "Maybe"}
        )
    assert {f.field for f in exc.value.fields} == {"probability", "forecast_category"}
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(admin, {"probability": 20})
    assert {f.field for f in exc.value.fields} == {"label", "forecast_category"}
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(
            admin, {"label": "Demo", "id": 99}, stage_id(core, "Qualification")
        )
    assert exc.value.fields[0].field == "id"
    assert len(core.pipeline.stages()) == len(DEFAULT_STAGES)


def test_stage_labels_are_unique_ignoring_case(core: Opportune, admin: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_stage(
            admin, {"label": "closed won", "probability": 100, "forecast_category": "Closed"}
        )
    assert exc.value.fields[0].code == "DUPLICATE_VALUE"
    with pytest.raises(ValidationError):
        core.pipeline.save_stage(admin, {"label": "PROSPECTING"}, stage_id(core, "Qualification"))
    assert len(core.pipeline.stages()) == len(DEFAULT_STAGES)


def test_a_stage_is_renamed_and_its_defaults_changed(core: Opportune, admin: User) -> None:
    changed = core.pipeline.save_stage(
        admin, {"label": "Discovery", "probability": 15}, stage_id(core, "Needs Analysis")
    )
    stored = next(s for s in core.pipeline.stages() if s.id == changed.id)
    assert (stored.label, stored.probability, stored.sort_order) == ("Discovery", 15, 30)


def test_an_unknown_stage_or_reason_is_not_found(core: Opportune, admin: User) -> None:
    with pytest.raises(NotFoundError):
        core.pipeline.save_stage(admin, {"probability": 5}, 999)
    with pytest.raises(NotFoundError):
        core.pipeline.save_lost_reason(admin, {"label": "X"}, 999)


def test_an_inactive_stage_keeps_its_opportunities(core: Opportune, admin: User, rep: User) -> None:
    account_id = add_account(core, rep)
    opp = core.opportunities.create(
        rep, {"name": "Deal", "account_id": account_id, "close_date": "2026-12-31",
              "stage": "Needs Analysis"},
    )  # fmt: skip
    core.pipeline.save_stage(admin, {"is_active": False}, stage_id(core, "Needs Analysis"))
    kept = core.opportunities.get(rep, opp.id or 0)
    assert kept.stage_id == stage_id(core, "Needs Analysis")
    assert core.opportunities.lookups().record(kept)["stage"] == "Needs Analysis"


def test_lost_reasons_are_added_renamed_and_kept_unique(core: Opportune, admin: User) -> None:
    added = core.pipeline.save_lost_reason(admin, {"label": "Went dark"})
    assert added.sort_order == 10 * (len(DEFAULT_LOST_REASONS) + 1)
    core.pipeline.save_lost_reason(admin, {"label": "Ghosted"}, added.id)
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_lost_reason(admin, {"label": "price"})
    assert exc.value.fields[0].code == "DUPLICATE_VALUE"
    assert [r.label for r in core.pipeline.lost_reasons()][-1] == "Ghosted"


def test_the_last_active_lost_reason_cannot_be_deactivated(core: Opportune, admin: User) -> None:
    reasons = core.pipeline.lost_reasons()
    for reason in reasons[:-1]:
        core.pipeline.save_lost_reason(admin, {"is_active": False}, reason.id)
    with pytest.raises(ValidationError) as exc:
        core.pipeline.save_lost_reason(admin, {"is_active": False}, reasons[-1].id)
    assert exc.value.fields[0].field == "is_active"
    assert [r.label for r in core.pipeline.lost_reasons() if r.is_active] == [reasons[-1].label]
