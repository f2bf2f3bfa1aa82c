"""Integration keys (external_id, salesforce_id) are written in the record's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opportune import Opportune, User
from opportune.errors import ValidationError
from opportune.services.uow import UnitOfWork


def lead_ids_with_key(core: Opportune, value: str) -> list[int]:
    with UnitOfWork(core.engine) as uow:
        return uow.sobject_rows.find_by_key("leads", "external_id", value)


def lead_count(core: Opportune) -> int:
    ever = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    with UnitOfWork(core.engine) as uow:
        return len(uow.sobject_rows.changed_ids("leads", "created_at", ever))


def test_a_lead_created_with_keys_is_found_by_them(core: Opportune, rep: User) -> None:
    lead = core.leads.create(
        rep, {"last_name": "Ng", "company": "Acme"}, keys={"external_id": "crm-1"}
    )
    assert lead_ids_with_key(core, "crm-1") == [lead.id]


def test_a_create_with_a_taken_key_leaves_nothing_behind(core: Opportune, rep: User) -> None:
    core.leads.create(rep, {"last_name": "Ng", "company": "Acme"}, keys={"external_id": "crm-1"})
    before = lead_count(core)
    with pytest.raises(ValidationError) as caught:
        core.leads.create(
            rep, {"last_name": "Ito", "company": "Beta"}, keys={"external_id": "crm-1"}
        )
    assert [(f.field, f.code) for f in caught.value.fields] == [("external_id", "DUPLICATE_VALUE")]
    assert lead_count(core) == before


def test_an_update_with_a_taken_key_changes_nothing(core: Opportune, rep: User) -> None:
    core.accounts.create(rep, {"name": "Acme"}, keys={"external_id": "acc-1"})
    other = core.accounts.create(rep, {"name": "Beta"})
    assert other.id is not None
    with pytest.raises(ValidationError):
        core.accounts.update(rep, other.id, {"name": "Gamma"}, keys={"external_id": "acc-1"})
    assert core.accounts.get(rep, other.id).name == "Beta"
