"""Web UI: the recycle bin page (deleted records, with Restore and Purge buttons)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.recycle_bin import BinEntry, can_purge
from opportune.errors import ConflictError
from opportune.web.deps import CsrfChecked, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
PATHS = {"lead": "/leads", "account": "/accounts", "contact": "/contacts",
         "opportunity": "/opportunities"}  # fmt: skip
PAGE_SIZE = 50


def record_url(entry: BinEntry) -> str | None:
    """The page of the record an entry held, once restored (activities have none)."""
    path = PATHS.get(entry.object_type)
    return f"{path}/{entry.record_id}" if path else None


@router.get("/recycle-bin")
def bin_page(
    request: Request,
    user: WebUser,
    core: OpportuneDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Deleted records newest first: every entry for admins, one's own deletes for others."""
    page = core.recycle_bin.list(user, cursor=cursor, limit=PAGE_SIZE)
    names = {u.id: u.name for u in core.users.list()}
    context = {
        "nav": "recycle-bin", "entries": page.entries, "next_cursor": page.next_cursor,
        "names": names, "can_purge": can_purge(user),
        "retention_days": core.settings.recycle_bin_retention_days,
    }  # fmt: skip
    return render(request, "recycle_bin/page.html", context, user=user)


@router.post("/recycle-bin/{entry_id:int}/restore", dependencies=[CsrfChecked])
def restore(request: Request, entry_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Restore a record and go to its page (or back to the bin, saying why it could not)."""
    try:
        entry = core.recycle_bin.restore(user, entry_id)
    except ConflictError as exc:
        flash(request, exc.message)
        return RedirectResponse("/recycle-bin", status_code=303)
    flash(request, f"Restored {entry.object_type} “{entry.name}” with "
                   f"{entry.related_count} related record(s).")  # fmt: skip
    return RedirectResponse(record_url(entry) or "/recycle-bin", status_code=303)


@router.post("/recycle-bin/{entry_id:int}/purge", dependencies=[CsrfChecked])
def purge(request: Request, entry_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Delete one entry for good (admins only)."""
    core.recycle_bin.purge(user, entry_id)
    flash(request, "Entry purged for good.")
    return RedirectResponse("/recycle-bin", status_code=303)


@router.post("/recycle-bin/empty", dependencies=[CsrfChecked])
def empty(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Purge every entry (admins only)."""
    count = core.recycle_bin.purge_all(user)
    flash(request, f"Recycle bin emptied: {count} entr{'y' if count == 1 else 'ies'} purged.")
    return RedirectResponse("/recycle-bin", status_code=303)
