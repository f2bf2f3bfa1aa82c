"""The possible duplicates a save found, for the shell that tells the user about them.

A lead, contact or account create or edit screens its record against the duplicate rules
before saving (:func:`~opportune.services.duplicate_checks.screen_duplicates`). The matches
of *alert* rules are what the user is told once the record is saved: the API's
``Opportune-Possible-Duplicates`` header, the web page's notice, the CLI's warning. A shell
wraps the save in :func:`collecting_alerts` and gets those matches from the save itself,
rather than screening the saved record a second time (which cost up to a quarter of a
create when the name has many look-alikes).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opportune.services.duplicate_checks import DuplicateCandidate

_collector: ContextVar[list[DuplicateCandidate] | None] = ContextVar("saved_alerts", default=None)


@contextmanager
def collecting_alerts() -> Iterator[list[DuplicateCandidate]]:
    """A list that the saves made inside the block fill with their alert matches: the ones
    the acting user may read, as :meth:`DuplicateService.alerts` finds them right after a
    save. Use it only once the block has ended without an error."""
    found: list[DuplicateCandidate] = []
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def offer_alerts(candidates: Sequence[DuplicateCandidate]) -> None:
    """Hand a save's alert matches to the collector of the current block, if there is one
    (called by the save once its record is written)."""
    found = _collector.get()
    if found is not None:
        found.extend(c for c in candidates if c.action == "alert")
