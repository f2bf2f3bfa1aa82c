"""Filters a list page takes from its address alone, for report click-throughs.

A dashboard chart links to the list of the records behind a number with filters the list's
form has no inputs for (converted only, untouched for N days, forecast category...). The
list keeps them as hidden inputs so changing another filter does not drop them, says in
words which are active, and links to the same list without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TRUE_VALUES = frozenset({"on", "true", "1", "yes"})


@dataclass(frozen=True, slots=True)
class DrillFilter:
    """A list filter set from the address only: its query parameter and its phrase.

    ``phrase`` holds ``{}`` for the values given (joined with commas); a flag's phrase has
    none and shows when the flag is on.
    """

    name: str
    phrase: str
    flag: bool = False

    def describe(self, values: Sequence[str]) -> str | None:
        """The filter in words for these values, or None when it does not narrow the list."""
        given = [v.strip() for v in values if v.strip()]
        if self.flag:
            return self.phrase if any(v.lower() in TRUE_VALUES for v in given) else None
        if not given:
            return None
        phrase = self.phrase.format(", ".join(given))
        # "untouched for 1 day", not "1 days".
        return phrase.replace(" 1 days", " 1 day") if given == ["1"] else phrase


LEAD_DRILL_FILTERS = (
    DrillFilter("converted_only", "converted only", flag=True),
    DrillFilter("untouched_days", "untouched for {} days"),
)
OPPORTUNITY_DRILL_FILTERS = (
    DrillFilter("lead_source", "lead source {}"),
    DrillFilter("forecast_category", "forecast category {}"),
    DrillFilter("lost_reason", "lost reason {}"),
    DrillFilter("close_from", "closing on or after {}"),
    DrillFilter("close_to", "closing on or before {}"),
    DrillFilter("created_from", "created on or after {}"),
    DrillFilter("created_to", "created on or before {}"),
    DrillFilter("stage_entered_to", "in its current stage since {} or earlier"),
)


def drill_phrases(params: Sequence[tuple[str, str]], filters: Sequence[DrillFilter]) -> list[str]:
    """The active drill filters among ``params`` in words, in the filters' order."""
    phrases = (f.describe([v for k, v in params if k == f.name]) for f in filters)
    return [p for p in phrases if p]


def without_drills(
    params: Sequence[tuple[str, str]], filters: Sequence[DrillFilter]
) -> tuple[tuple[str, str], ...]:
    """``params`` without any drill filter (the filters the form shows stay)."""
    names = {f.name for f in filters}
    return tuple((k, v) for k, v in params if k not in names)
