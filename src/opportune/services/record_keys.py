"""Integration keys of a record: an integration's ``external_id`` and the ``salesforce_id``
it had in Salesforce. Stored in the same unit of work as the record's own write, so a key
another record holds (the unique indexes refuse it) undoes the whole write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from opportune.services.uow import UnitOfWork

RecordKeys: TypeAlias = Mapping[str, str | None] | None


def store_keys(uow: UnitOfWork, table: str, record_id: int | None, keys: RecordKeys) -> None:
    """Set the record's keys named in ``keys`` (None clears one); nothing when there are none."""
    if keys and record_id is not None:
        uow.sobject_rows.set_keys(table, record_id, keys)
