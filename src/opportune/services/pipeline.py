"""Administering the pipeline: the opportunity stage list and the lost reasons."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from opportune.domain.fields import ReadOnly, RecordSpec, choice, clean, flag, integer, text
from opportune.domain.picklists import PicklistValue
from opportune.domain.stages import FORECAST_CATEGORIES, Stage, check_stage_list
from opportune.domain.users import User
from opportune.errors import NotFoundError, ValidationError
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import utc_now
from opportune.services.permissions import require_admin
from opportune.services.picklists import (
    check_label_free,
    clean_value,
    find_by_id,
    next_order,
    save_unique_label,
)
from opportune.services.reference_cache import cached
from opportune.services.uow import UnitOfWork

__all__ = ["STAGE", "Pipeline", "PipelineSettingsService", "load_pipeline"]

SORT_ORDER_MAX = 1_000_000
STAGE = RecordSpec(
    noun="stage",
    fields=(
        text("label", 80, required=True),
        integer("sort_order", what="sort position", maximum=SORT_ORDER_MAX),
        integer("probability", what="percent", maximum=100, required=True),
        choice("forecast_category", FORECAST_CATEGORIES, required=True),
        flag("is_closed"),
        flag("is_won"),
        flag("is_active"),
    ),
    read_only=(ReadOnly(frozenset({"id"})),),
)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The stage list and the lost reasons, inactive values included, each in sort order."""

    stages: tuple[Stage, ...]
    lost_reasons: tuple[PicklistValue, ...]

    def stage(self, stage_id: int) -> Stage:
        """The stage with this id (it exists: opportunities reference stages by key)."""
        return next(s for s in self.stages if s.id == stage_id)

    def lost_reason(self, reason_id: int | None) -> PicklistValue | None:
        """The lost reason with this id, if any."""
        return next((r for r in self.lost_reasons if r.id == reason_id), None)


class PipelineSettingsService:
    """Read the pipeline's stages and lost reasons; administrators add and change them.

    Nothing is ever deleted: an inactive stage or reason can no longer be chosen, but the
    opportunities and history that use it keep it. Changing a stage's defaults does not
    change the opportunities already on it; they take the new defaults on their next move.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pipeline(self) -> Pipeline:
        """Stages and lost reasons together, read in one transaction."""
        with UnitOfWork(self.engine) as uow:
            return load_pipeline(uow)

    def stages(self) -> tuple[Stage, ...]:
        """Every stage, inactive ones included, in sort order."""
        with UnitOfWork(self.engine) as uow:
            return uow.stages.stages()

    def lost_reasons(self) -> tuple[PicklistValue, ...]:
        """Every lost reason, inactive ones included, in sort order."""
        with UnitOfWork(self.engine) as uow:
            return uow.stages.lost_reasons()

    def save_stage(
        self, actor: User | None, data: Mapping[str, object], stage_id: int | None = None
    ) -> Stage:
        """Create (no id) or change a stage; the stage list must stay usable.

        ``data`` may hold ``label``, ``sort_order``, ``probability``,
        ``forecast_category``, ``is_closed``, ``is_won`` and ``is_active``; a new stage
        needs the label, probability and forecast category and goes last unless given a
        sort order. See :func:`~opportune.domain.stages.check_stage_list` for the rules.
        """
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            stages = list(uow.stages.stages())
            current = _stage(stages, stage_id)
            values = clean(STAGE, data, creating=current is None)
            if values.get("sort_order") is None:
                values.pop("sort_order", None)
            base = current or Stage(0, "", _next_stage_order(stages), 0, "Pipeline")
            stage = dataclasses.replace(base, **values)  # type: ignore[arg-type]
            check_stage_list([*(s for s in stages if s.id != stage_id), stage])
            saved = dataclasses.replace(
                stage, id=save_unique_label(uow, lambda: uow.stages.save_stage(stage))
            )
            setting_changed(uow, actor, utc_now(), "stage", current, saved)
            uow.commit()
        return saved

    def save_lost_reason(
        self, actor: User | None, data: Mapping[str, object], reason_id: int | None = None
    ) -> PicklistValue:
        """Create (no id) or change a lost reason (``label``, ``sort_order``, ``is_active``).

        At least one reason stays active, or no opportunity could be closed as lost.
        """
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            reasons = list(uow.stages.lost_reasons())
            current = find_by_id(reasons, reason_id, "Lost reason")
            base = current or PicklistValue(0, "", next_order(reasons))
            value = dataclasses.replace(base, **clean_value(data, creating=current is None))  # type: ignore[arg-type]
            check_label_free(reasons, value)
            _check_one_active([*(r for r in reasons if r.id != reason_id), value])
            saved = dataclasses.replace(
                value, id=save_unique_label(uow, lambda: uow.stages.save_lost_reason(value))
            )
            setting_changed(uow, actor, utc_now(), "lost_reason", current, saved)
            uow.commit()
        return saved


def load_pipeline(uow: UnitOfWork) -> Pipeline:
    """The stages and lost reasons, read inside an open unit of work (or the process's
    current copy)."""
    return cached(uow, "pipeline", lambda: Pipeline(uow.stages.stages(), uow.stages.lost_reasons()))


def _stage(stages: Sequence[Stage], stage_id: int | None) -> Stage | None:
    if stage_id is None:
        return None
    found = next((s for s in stages if s.id == stage_id), None)
    if found is None:
        raise NotFoundError.for_record("Stage", stage_id)
    return found


def _next_stage_order(stages: Sequence[Stage]) -> int:
    return max((s.sort_order for s in stages), default=0) + 10


def _check_one_active(reasons: Sequence[PicklistValue]) -> None:
    if not any(r.is_active for r in reasons):
        raise ValidationError.single(
            "is_active", "FIELD_INTEGRITY_EXCEPTION", "At least one lost reason must stay active"
        )
