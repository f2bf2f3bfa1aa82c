"""The two services an import leans on: duplicate checks and lead assignment.

The duplicate checker is loaded per batch (it queries through the batch's unit of work);
the assigner once per run (it keeps round-robin turns in memory and saves them with each
batch through :meth:`Assigner.flush`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opportune.services.assigner import Assigner
from opportune.services.assigner import load_assigner as _load_assigner
from opportune.services.duplicates import DuplicateCandidate
from opportune.services.duplicates import load_checker as _load_checker
from opportune.services.uow import UnitOfWork

__all__ = ["Assigner", "best_match", "find_duplicates", "load_assigner"]


def find_duplicates(
    uow: UnitOfWork, kind: str, records: Sequence[Mapping[str, Any]]
) -> tuple[list[list[DuplicateCandidate]], list[int | None]]:
    """Per record: the saved records the active rules match, and the index of an earlier
    record of the list it duplicates."""
    checker = _load_checker(uow, kind)
    if not checker.rules:
        none: list[int | None] = [None] * len(records)
        return [[] for _ in records], none
    return checker.find(records), checker.find_within(records)


def best_match(kind: str, candidates: Sequence[DuplicateCandidate]) -> int | None:
    """The id of the best-scoring candidate of the same kind (a lead can also match a
    contact, which a lead import cannot update)."""
    same = [c for c in candidates if c.object_type == kind]
    return max(same, key=lambda c: c.score).record_id if same else None


def load_assigner(uow: UnitOfWork) -> Assigner | None:
    """The assigner of the active assignment rule (``None`` without one)."""
    return _load_assigner(uow)
