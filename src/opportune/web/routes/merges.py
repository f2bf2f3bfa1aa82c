"""Web UI: the merge page (compare 2-3 records, pick the master and the values), the banner
on a merged record's page, and undo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.merge import NOUNS, OBJECT_TYPES
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, OpportuneError, ValidationError
from opportune.services import Opportune
from opportune.web.deps import CsrfChecked, NamedRecord, PostedForm, RecordId, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
PATHS = {"lead": "/leads", "contact": "/contacts", "account": "/accounts"}


def record_url(object_type: str, record_id: int) -> str:
    """The page of a lead, contact or account."""
    return f"{PATHS[object_type]}/{record_id}"


def _ids(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdecimal() and len(p) <= 10 for p in parts):
        raise ValidationError.single("ids", "INVALID_ID", "Give 2 or 3 record ids, like 12,14")
    return [int(p) for p in parts]


def _object_type(raw: str) -> str:
    if raw not in OBJECT_TYPES:
        raise ValidationError.single(
            "object", "INVALID_OBJECT_TYPE", f"Must be one of: {', '.join(OBJECT_TYPES)}"
        )
    return raw


@router.get("/merge")
def merge_page(
    request: Request,
    user: WebUser,
    core: OpportuneDep,
    ids: str,
    object_type: Annotated[str, Query(alias="object")] = "lead",
    master: RecordId = None,
) -> Response:
    """The records side by side: a radio per field to pick the value, and the master."""
    return _page(request, core, user, _object_type(object_type), _ids(ids), master, {}, None)


@router.post("/merge", dependencies=[CsrfChecked])
def merge(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Merge as chosen; back to the master's page with a message, or the page with the error."""
    kind = _object_type(str(form.get("object", "")))
    ids = _ids(str(form.get("ids", "")))
    master = _int(form.get("master"), "master")
    choices = {
        str(k)[5:]: _int(v, str(k)) for k, v in form.multi_items() if str(k).startswith("take:")
    }
    versions = {
        int(str(k)[8:]): _int(v, str(k))
        for k, v in form.multi_items()
        if str(k).startswith("version:") and str(k)[8:].isdecimal()
    }
    try:
        result = core.merges.merge(user, kind, master, ids, choices, versions)
    except (ValidationError, ConflictError) as exc:
        return _page(
            request,
            core,
            user,
            kind,
            ids,
            master,
            choices,
            exc,
            status=409 if isinstance(exc, ConflictError) else 422,
        )
    merged = ", ".join(f"#{i}" for i in result.merge.merged_ids)
    flash(
        request,
        f"Merged {NOUNS[kind].lower()} {merged} into this one. "
        f"Open a merged record to undo (merge #{result.merge.id}).",
    )
    return RedirectResponse(record_url(kind, master), status_code=303)


@router.get("/merges/banner")
def banner(request: Request, user: WebUser, core: OpportuneDep, named: NamedRecord) -> Response:
    """The "Merged into ..." banner of a merged record's page (empty for other records)."""
    kind, record_id = named
    merge = core.merges.merged_into(user, kind, record_id)
    context: dict[str, Any] = {
        "merge": merge,
        "kind": kind,
        "noun": NOUNS[kind].lower(),
        "back": record_url(kind, record_id),
    }
    if merge is not None:
        context["master_url"] = record_url(kind, merge.master_id)
        context["master_name"] = core.merges.names(kind, [merge.master_id]).get(merge.master_id)
    return render(request, "merges/_banner.html", context, user=user)


@router.post("/merges/{merge_id:int}/undo", dependencies=[CsrfChecked])
def undo(
    request: Request, user: WebUser, core: OpportuneDep, merge_id: int, form: PostedForm
) -> Response:
    """Undo a merge, then show the record the user came from (or the master)."""
    force = form.get("force") == "1"
    try:
        result = core.merges.undo(user, merge_id, force=force)
    except ConflictError as exc:
        if exc.code != "UNDO_BLOCKED":
            raise
        merge = core.merges.get(user, merge_id)
        context = {
            "merge": merge,
            "error": exc,
            "noun": NOUNS[merge.object_type].lower(),
            "master_url": record_url(merge.object_type, merge.master_id),
        }
        return render(request, "merges/undo_blocked.html", context, user=user, status=409)
    merge = result.merge
    flash(request, f"Merge #{merge_id} undone: the records are separate again.")
    back = str(form.get("back", ""))
    target = (
        back
        if back in [record_url(merge.object_type, i) for i in merge.merged_ids]
        else record_url(merge.object_type, merge.master_id)
    )
    return RedirectResponse(target, status_code=303)


def _int(value: object, field: str) -> int:
    text = str(value or "").strip()
    if not text.isdecimal() or len(text) > 10:
        raise ValidationError.single(field, "INVALID_ID", "Must be a record id")
    return int(text)


def _page(
    request: Request,
    core: Opportune,
    user: User,
    kind: str,
    ids: list[int],
    master: int | None,
    choices: dict[str, int],
    error: OpportuneError | None,
    status: int = 200,
) -> Response:
    try:
        preview = core.merges.preview(user, kind, ids, master)
    except (ValidationError, ConflictError, NotFoundError) as exc:
        failed: dict[str, Any] = {
            "error": exc,
            "kind": kind,
            "noun": NOUNS[kind].lower(),
            "preview": None,
        }
        return render(
            request,
            "merges/page.html",
            failed,
            user=user,
            status=404 if isinstance(exc, NotFoundError) else 422,
        )
    rows = [
        {"field": f, "chosen": choices.get(f.name, f.default_id)}
        for f in preview.fields
        if f.differs or f.name in choices or any(v is not None for v in f.shown.values())
    ]
    context: dict[str, Any] = {
        "preview": preview,
        "rows": rows,
        "kind": kind,
        "noun": NOUNS[kind].lower(),
        "ids": ",".join(map(str, ids)),
        "error": error,
        "urls": {r.id: record_url(kind, r.id) for r in preview.records},
    }
    return render(request, "merges/page.html", context, user=user, status=status)
