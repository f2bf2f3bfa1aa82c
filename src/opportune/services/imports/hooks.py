"""What an import takes from the duplicate and assignment services.

The assigner is loaded once per run: it keeps round-robin turns in memory, and each
batch saves the turns its leads took (:meth:`Assigner.take_turns`) with its records.
"""

from __future__ import annotations

from collections.abc import Sequence

from opportune.services.assigner import Assigner
from opportune.services.assigner import load_assigner as _load_assigner
from opportune.services.duplicates import DuplicateCandidate
from opportune.services.uow import UnitOfWork

__all__ = ["Assigner", "best_match", "load_assigner"]


def best_match(kind: str, candidates: Sequence[DuplicateCandidate]) -> int | None:
    """The id of the best-scoring candidate of the same kind (a lead can also match a
    contact, which a lead import cannot update)."""
    same = [c for c in candidates if c.object_type == kind]
    return max(same, key=lambda c: c.score).record_id if same else None


def load_assigner(uow: UnitOfWork) -> Assigner | None:
    """The assigner of the active assignment rule (``None`` without one)."""
    return _load_assigner(uow)
