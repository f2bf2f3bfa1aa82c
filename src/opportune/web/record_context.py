"""What the record templates are given: the page, the shown record, its related lists,
its timeline, and the new-record form's values and errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opportune.domain.users import User
from opportune.errors import FieldError
from opportune.services import Opportune
from opportune.web.record_access import service
from opportune.web.record_data import (
    Record,
    RecordLookups,
    RecordView,
    account_refs,
    choices,
    load_lookups,
    present,
    reference_text,
)
from opportune.web.record_forms import REFERENCE_ID, account_matches, errors_by_field
from opportune.web.record_pages import RecordPage
from opportune.web.record_related import header, related
from opportune.web.record_timeline import history_ids, record_namers, timeline

REFERENCE_FIELDS = ("account_id", "parent_account_id")


def field_context(page: RecordPage, record: Record, lookups: RecordLookups) -> dict[str, Any]:
    """What every part of a record page needs: the record shown, its header and stamps."""
    rec = present(record, lookups)
    return {
        "page": page, "record": record, "rec": rec, "currency": lookups.currency,
        "view": RecordView(page, rec, lookups.currency),
        "header": header(record, rec, lookups.currency),
        "created_by": lookups.user_name(record.created_by_id),
        "updated_by": lookups.user_name(record.updated_by_id),
    }  # fmt: skip


def timeline_context(
    core: Opportune, user: User, page: RecordPage, record_id: int
) -> dict[str, Any]:
    """The record's field history as a timeline, names and labels for its ids."""
    changes = service(core, page).history(user, record_id)
    lookups = load_lookups(core, user, history_ids(changes, REFERENCE_FIELDS))
    return {
        "timeline": timeline(changes, page, record_namers(lookups), lookups.user_name),
        "timeline_url": f"/{page.kind}/{record_id}/timeline",
    }


def detail_context(core: Opportune, user: User, page: RecordPage, record: Record) -> dict[str, Any]:
    """Everything the record page shows."""
    assert record.id is not None
    lookups = load_lookups(core, user, account_refs(record))
    return {
        **field_context(page, record, lookups),
        **related(core, user, record, lookups),
        **timeline_context(core, user, page, record.id),
    }


def form_context(
    core: Opportune,
    user: User,
    page: RecordPage,
    values: Mapping[str, str],
    errors: list[FieldError] | None = None,
) -> dict[str, Any]:
    """The new-record form with these values and, after a refused save, its errors."""
    lookups = load_lookups(core, user, [])
    fields = page.form_fields
    return {
        "page": page, "values": values, "currency": lookups.currency,
        "options": {f.name: choices(f, lookups) for f in fields if f.is_select},
        "account_options": account_matches(core, user, ""),
        "errors": errors_by_field(errors or [], fields),
        "invalid": {e.field for e in errors or []},
        "error_labels": {f.name: f.label for f in fields},
        "error_targets": {f.name: f"f-{f.parts[0]}" for f in fields if f.parts},
        "cancel_url": _cancel_url(page, values.get("account_id", "")),
    }  # fmt: skip


def prefilled(
    core: Opportune, user: User, page: RecordPage, query: Mapping[str, str]
) -> dict[str, str]:
    """The new-record form's first values: owned by the user, and the account given in
    the link that opened it ('New contact' on an account's page)."""
    values = {"owner_id": str(user.id)}
    account_id = query.get("account_id", "")
    if page.field("account_id") and account_id.isdecimal() and len(account_id) < 11:
        name = core.accounts.names(user, [int(account_id)]).get(int(account_id))
        if name is not None:
            values["account_id"] = reference_text(account_id, name)
    return values


def _cancel_url(page: RecordPage, account: str) -> str:
    """Back where the form came from: the account it was opened on, or the list."""
    found = REFERENCE_ID.search(account)
    return f"/accounts/{found.group(1)}" if found else f"/{page.kind}"
