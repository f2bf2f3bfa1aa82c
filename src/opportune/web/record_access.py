"""The services behind each record page, seen through one shape, and its list's filters."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from opportune.domain.field_history import FieldChange
from opportune.domain.listing import Page
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.accounts import AccountFilters
from opportune.services.contacts import ContactFilters
from opportune.services.opportunities import OpportunityFilters
from opportune.web.listing import parse_date
from opportune.web.record_data import Record
from opportune.web.record_listing import RecordListState
from opportune.web.record_pages import RecordPage

PAGE_SIZE = 25
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; larger ones cannot exist


class RecordService(Protocol):
    """What the account, contact and opportunity services share."""

    def create(self, actor: User, data: Mapping[str, object]) -> Record:
        """Create a record."""

    def get(self, actor: User, record_id: int, /) -> Record:
        """The record with this id."""

    def update(
        self,
        actor: User,
        record_id: int,
        data: Mapping[str, object],
        /,
        *,
        expected_version: int | None = None,
    ) -> Record:
        """Change a record."""

    def delete(self, actor: User, record_id: int, /) -> None:
        """Delete a record."""

    def history(self, actor: User, record_id: int, /) -> builtins.list[FieldChange]:
        """The record's field history, newest first."""


def service(core: Opportune, page: RecordPage) -> RecordService:
    """The service that keeps this page's records."""
    services: dict[str, RecordService] = {
        "accounts": core.accounts, "contacts": core.contacts,
        "opportunities": core.opportunities,
    }  # fmt: skip
    return services[page.kind]


def get_record(core: Opportune, user: User, page: RecordPage, record_id: int) -> Record:
    """The record with this id; ids no database column can hold simply do not exist."""
    if record_id > MAX_ID:
        raise NotFoundError.for_record(page.label, record_id)
    return service(core, page).get(user, record_id)


def list_records(
    core: Opportune, user: User, page: RecordPage, state: RecordListState, cursor: str | None
) -> Page[Any]:
    """One page of the list as the query string asks for it."""
    lister = {"accounts": _accounts, "contacts": _contacts, "opportunities": _opportunities}
    return lister[page.kind](core, user, state, cursor or None)


def _accounts(core: Opportune, user: User, state: RecordListState, cursor: str | None) -> Page[Any]:
    filters = AccountFilters(
        owner=state.values("owner"), industry=state.values("industry"),
        rating=state.values("rating"), q=state.value("q") or None, sort=state.sort,
        cursor=cursor, limit=PAGE_SIZE, with_total=True,
    )  # fmt: skip
    return core.accounts.list(user, filters)


def _contacts(core: Opportune, user: User, state: RecordListState, cursor: str | None) -> Page[Any]:
    filters = ContactFilters(
        owner=state.values("owner"), account=state.values("account"),
        q=state.value("q") or None, sort=state.sort, cursor=cursor, limit=PAGE_SIZE,
        with_total=True,
    )  # fmt: skip
    return core.contacts.list(user, filters)


def _opportunities(
    core: Opportune, user: User, state: RecordListState, cursor: str | None
) -> Page[Any]:
    days = _days(state, ("close_from", "close_to", "created_from", "created_to",
                         "stage_entered_to"))  # fmt: skip
    filters = OpportunityFilters(
        owner=state.values("owner"), account=state.values("account"),
        stage=state.values("stage"), state=state.value("state") or None,
        q=state.value("q") or None, sort=state.sort, cursor=cursor, limit=PAGE_SIZE,
        with_total=True, lead_source=state.values("lead_source"),
        forecast_category=state.values("forecast_category"),
        lost_reason=state.values("lost_reason"), close_from=days["close_from"],
        close_to=days["close_to"], created_from=days["created_from"],
        created_to=days["created_to"], stage_entered_to=days["stage_entered_to"],
    )  # fmt: skip
    return core.opportunities.list(user, filters).page


def _days(state: RecordListState, names: tuple[str, ...]) -> dict[str, date | None]:
    """The days these filters hold; raise one ValidationError naming each bad one."""
    errors: list[FieldError] = []
    days = {name: parse_date(name, state.value(name), errors) for name in names}
    if errors:
        raise ValidationError(errors)
    return days
