"""The opportunity stage list (the pipeline) and the lost reasons, and the rules that keep
them usable.

Each stage carries the defaults an opportunity takes when it moves there: probability,
forecast category, closed and won. The list is configurable; :func:`check_stage_list`
refuses a list the pipeline could not work with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opportune.domain.picklists import check_label
from opportune.errors import FieldError, ValidationError

__all__ = [
    "DEFAULT_LOST_REASONS",
    "DEFAULT_STAGES",
    "FORECAST_CATEGORIES",
    "Stage",
    "check_stage_list",
    "default_stages",
    "first_open_stage",
    "stage_by_id",
]

FORECAST_CATEGORIES = ("Pipeline", "Best Case", "Commit", "Closed", "Omitted")

DEFAULT_STAGES = (
    # label, probability, forecast category, is_closed, is_won
    ("Prospecting", 10, "Pipeline", False, False),
    ("Qualification", 10, "Pipeline", False, False),
    ("Needs Analysis", 20, "Pipeline", False, False),
    ("Value Proposition", 50, "Pipeline", False, False),
    ("Id. Decision Makers", 60, "Pipeline", False, False),
    ("Perception Analysis", 70, "Pipeline", False, False),
    ("Proposal/Price Quote", 75, "Pipeline", False, False),
    ("Negotiation/Review", 90, "Pipeline", False, False),
    ("Closed Won", 100, "Closed", True, True),
    ("Closed Lost", 0, "Omitted", True, False),
)

DEFAULT_LOST_REASONS = (
    "Price", "Competitor", "No budget", "No decision", "Timing", "Product fit", "Other",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the sales pipeline and the defaults an opportunity takes there.

    ``is_won`` implies ``is_closed``; a closed stage that is not won is a lost stage.
    An inactive stage can no longer be chosen, but opportunities already on it keep it.
    """

    id: int
    label: str
    sort_order: int
    probability: int
    forecast_category: str
    is_closed: bool = False
    is_won: bool = False
    is_active: bool = True

    @property
    def is_lost(self) -> bool:
        """True for a closed stage that is not won: moving there needs a lost reason."""
        return self.is_closed and not self.is_won


def default_stages() -> tuple[Stage, ...]:
    """The default stages as :class:`Stage` values, ids from 1 and sort orders 10, 20, ..."""
    return tuple(
        Stage(n, label, n * 10, probability, forecast, is_closed=closed, is_won=won)
        for n, (label, probability, forecast, closed, won) in enumerate(DEFAULT_STAGES, 1)
    )


def first_open_stage(stages: Sequence[Stage]) -> Stage:
    """The first active open stage in sort order: where a new opportunity starts."""
    candidates = sorted(
        (s for s in stages if s.is_active and not s.is_closed), key=lambda s: s.sort_order
    )
    if not candidates:
        raise ValidationError.single("stage", "INVALID_STAGE", "No active open stage exists")
    return candidates[0]


def stage_by_id(stages: Sequence[Stage], stage_id: int) -> Stage:
    """The stage with this id; a missing one means the caller loaded the wrong list."""
    found = next((s for s in stages if s.id == stage_id), None)
    if found is None:
        raise LookupError(f"Stage {stage_id} is not in the stage list")
    return found


def check_stage_list(stages: Sequence[Stage]) -> None:
    """Raise :class:`ValidationError` unless the stage list is usable.

    Rules: every label is valid and unique (ignoring case); every probability lies in
    0-100; every forecast category is known; won implies closed; at least one active open,
    one active closed-won and one active closed-lost stage remain. Probabilities of closed
    stages are not forced to 100 or 0.
    """
    errors: list[FieldError] = []
    for stage in stages:
        errors.extend(_stage_errors(stage))
    labels = [s.label.strip().casefold() for s in stages]
    if len(set(labels)) != len(labels):
        errors.append(FieldError("label", "DUPLICATE_VALUE", "Stage labels must be unique"))
    errors.extend(_missing_kinds(stages))
    if errors:
        raise ValidationError(_unique(errors))


def _stage_errors(stage: Stage) -> list[FieldError]:
    """The problems of one stage on its own."""
    errors: list[FieldError] = []
    try:
        check_label(stage.label)
    except ValidationError as exc:
        errors.extend(exc.fields)
    if not 0 <= stage.probability <= 100:
        errors.append(
            FieldError("probability", "NUMBER_OUTSIDE_VALID_RANGE", "Must be between 0 and 100")
        )
    if stage.forecast_category not in FORECAST_CATEGORIES:
        choices = ", ".join(FORECAST_CATEGORIES)
        errors.append(
            FieldError(
                "forecast_category",
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"Must be one of: {choices}",
            )
        )
    if stage.is_won and not stage.is_closed:
        errors.append(FieldError("is_won", "INVALID_STAGE", "A won stage must also be closed"))
    return errors


def _missing_kinds(stages: Sequence[Stage]) -> list[FieldError]:
    """An error for each kind of stage the pipeline needs but has no active one of."""
    active = [s for s in stages if s.is_active]
    needed = (
        ("is_closed", "open", any(not s.is_closed for s in active)),
        ("is_won", "closed-won", any(s.is_won and s.is_closed for s in active)),
        ("is_closed", "closed-lost", any(s.is_lost for s in active)),
    )
    return [
        FieldError(name, "INVALID_STAGE", f"At least one active {kind} stage is required")
        for name, kind, present in needed
        if not present
    ]


def _unique(errors: list[FieldError]) -> list[FieldError]:
    """The errors without repeats (several stages can share the same problem)."""
    return list(dict.fromkeys(errors))
