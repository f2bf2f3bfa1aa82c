"""The users of a Salesforce export, and who owns each imported record.

A user of ``User.csv`` is matched to an Opportune user by its Salesforce id (an earlier
run) or its email, ignoring case; one that matches nobody is created inactive, as a rep,
with a random password nobody knows (an administrator activates it and sets a password
when the person joins). An ``OwnerId`` that is no user of the export or of Opportune
falls back to the default owner, and the report counts it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opportune.domain.salesforce.export_rows import ExportRow
from opportune.domain.users import User
from opportune.errors import ValidationError
from opportune.services.salesforce.migration_report import SalesforceImportReport
from opportune.services.uow import UnitOfWork

if TYPE_CHECKING:
    from opportune.services import Opportune

Outcome = str  # "created", "updated" or "skipped"


@dataclass(slots=True)
class OwnerMap:
    """Salesforce user ids → Opportune users (id, active), and the default owner."""

    default_id: int
    users: dict[str, tuple[int, bool]] = field(default_factory=dict)

    def resolve(
        self, salesforce_id: str | None, report: SalesforceImportReport
    ) -> tuple[int, bool]:
        """The owner for a record owned by ``salesforce_id`` in Salesforce: (id, active)."""
        if salesforce_id is None:
            return self.default_id, True
        found = self.users.get(salesforce_id)
        if found is None:
            report.unknown_owners[salesforce_id] += 1
            return self.default_id, True
        return found


def load_owner_map(core: Opportune, default_id: int) -> OwnerMap:
    """The users an earlier run (or this one) matched to Salesforce ids."""
    with UnitOfWork(core.engine) as uow:
        return OwnerMap(default_id, uow.salesforce_keys.users_by_salesforce_id())


def import_user(
    core: Opportune, actor: User | None, row: ExportRow, owners: OwnerMap
) -> tuple[Outcome, str]:
    """Match or create the Opportune user of one ``User.csv`` row; return what happened
    and the user's email."""
    assert row.salesforce_id is not None
    email = row.values.get("email")
    if not isinstance(email, str):
        raise ValidationError.single("Email", "REQUIRED_FIELD_MISSING", "Is required")
    known = owners.users.get(row.salesforce_id)
    if known is not None:
        return "skipped", email
    with UnitOfWork(core.engine) as uow:
        user = uow.users.get_by_email(email)
    outcome = "updated"
    if user is None:
        user = _create_inactive(core, actor, row.values)
        outcome = "created"
    assert user.id is not None
    with UnitOfWork(core.engine, write=True) as uow:
        uow.salesforce_keys.set_keys("user", user.id, salesforce_id=row.salesforce_id)
        uow.commit()
    owners.users[row.salesforce_id] = (user.id, user.is_active)
    return outcome, user.email


def _create_inactive(core: Opportune, actor: User | None, values: dict[str, object]) -> User:
    # 48 random bytes nobody sees: the account cannot be signed in to until an
    # administrator sets a password and activates it.
    password = secrets.token_urlsafe(48)
    data = {"name": values["name"], "email": values["email"], "role": "rep", "password": password}
    user = core.users.create(actor, data)
    assert user.id is not None
    return core.users.update(actor, user.id, {"is_active": False})
