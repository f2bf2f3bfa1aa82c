"""After a lead, contact or account is saved: the possible duplicates to tell people about.

Duplicate rules whose action is *alert* save the record and tell the user what it looks
like, as the API's ``Opportune-Possible-Duplicates`` header and the web notice do: the
CLI prints a warning on stderr after the saved record, and ``--json`` output carries them
as ``possible_duplicates`` (each ``{"object_type", "record_id", "name", "rule", "score"}``,
the shape of a blocking rule's ``matches``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opportune.cli.output import warn
from opportune.services.duplicates import DuplicateCandidate

__all__ = ["SavedAlerts", "alert_line"]


@dataclass(frozen=True, slots=True)
class SavedAlerts:
    """The alert rules' matches of one record just saved, to print or add to its JSON."""

    kind: str
    record_id: int
    found: tuple[DuplicateCandidate, ...]

    def as_json(self) -> dict[str, Any]:
        """``{"possible_duplicates": [...]}``, to add to the saved record's JSON."""
        return {"possible_duplicates": [c.as_match() for c in self.found]}

    def warn(self) -> None:
        """Print the warning line on stderr when anything matched."""
        if self.found:
            warn(alert_line(self.kind, self.record_id, self.found))


def alert_line(kind: str, record_id: int, found: Sequence[DuplicateCandidate]) -> str:
    """``Possible duplicates: lead 5 (Jon Smyth) [Standard lead duplicate rule, score 93%]``
    with the command that compares them."""
    listed = "; ".join(
        f"{c.object_type} {c.record_id} ({c.name}) [{c.rule_name}, score {c.score:.0f}%]"
        for c in found
    )
    return (
        f"Possible duplicate{'s' if len(found) > 1 else ''}: {listed}. "
        f"Compare: opportune duplicates check {kind} {record_id}"
    )
