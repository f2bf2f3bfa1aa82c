"""Web UI: the import pages — history, upload, column mapping, a job's progress, revert.

The flow: ``/imports`` (history and the upload form) → ``POST /imports/upload`` streams the
file to disk and shows the mapping step → ``POST /imports/start`` records the import, runs
it in the background and opens ``/imports/{id}``, which follows it with htmx polling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from opportune.api.background import runner_of
from opportune.api.deps import CSRF_HEADER, OpportuneDep, check_csrf
from opportune.api.schemas import MAX_ID
from opportune.api.uploads import discard_upload, is_stored_for, receive_upload, stored_upload
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.web.deps import CSRF_FIELD, CsrfChecked, PostedForm, WebUser
from opportune.web.import_view import (
    DATE_FORMATS,
    DUPLICATES,
    ENCODINGS,
    KIND_NAMES,
    KINDS,
    MappingForm,
    auto_mapping,
    field_choices,
    job_view,
)
from opportune.web.templating import flash, is_htmx, render

router = APIRouter()
ImportId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
HISTORY_SIZE = 50


@router.get("/imports")
def imports_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Past imports and the form to start a new one."""
    return _index(request, core, user, {})


@router.post("/imports/upload")
async def upload(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Store the uploaded file and show the mapping step for it."""
    assert user.id is not None
    settings = core.settings
    received = await receive_upload(request, settings.data_dir, user.id, settings.import_max_bytes)
    try:
        check_csrf(request, request.headers.get(CSRF_HEADER) or received.fields.get(CSRF_FIELD))
        object_type = received.fields.get("object_type", "")
        if object_type not in KIND_NAMES:
            raise ValidationError.single("object_type", "INVALID_FIELD", "Choose what the rows are")
    except BaseException:
        discard_upload(received.path)
        raise
    form = MappingForm(object_type, received.token, received.file_name,
                       encoding=received.fields.get("encoding") or "utf-8")  # fmt: skip
    return await run_in_threadpool(_mapping_step, request, core, user, form, received.path, None)


@router.post("/imports/check", dependencies=[CsrfChecked])
def check(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """The mapping step again for changed choices (htmx: only the form), e.g. a saved
    mapping picked or a column mapped by hand."""
    path, chosen = _posted(core, user, form)
    if chosen.saved_mapping and form.get("apply_saved") == "1":
        saved = _saved(core, chosen.object_type, chosen.saved_mapping)
        chosen.mapping.update({h: f for h, f in saved.items() if h in chosen.mapping})
    return _mapping_step(request, core, user, chosen, path, None)


@router.post("/imports/start", dependencies=[CsrfChecked])
def start(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Record the import with the chosen mapping and options, run it in the background and
    open its page; on bad choices show the mapping step again with what is wrong."""
    path, chosen = _posted(core, user, form)
    try:
        if chosen.save_as:
            core.imports.save_mapping(user, chosen.object_type, chosen.save_as, chosen.mapping)
        job = core.imports.start(user, chosen.object_type, path, **chosen.start_arguments())
    except (ValidationError, NotFoundError) as exc:
        return _mapping_step(request, core, user, chosen, path, exc, status=422)
    if not is_stored_for(job, path):
        discard_upload(path)
    if job.already_done:
        flash(
            request,
            f"{job.file_name} was imported already (import #{job.id}): nothing was imported again.",
        )
    elif not job.is_finished:
        runner_of(request).launch(job.id)
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.get("/imports/{import_id}")
def job_page(import_id: ImportId, request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """One import: its progress while it runs, its summary when it is done."""
    context = {"view": _view(request, core, user, import_id)}
    return render(request, "imports/job.html", context, user=user)


@router.get("/imports/{import_id}/progress")
def progress(import_id: ImportId, request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The progress panel alone, polled by the job page until the import ends."""
    context = {"view": _view(request, core, user, import_id)}
    return render(request, "imports/_progress.html", context, user=user)


@router.post("/imports/{import_id}/revert", dependencies=[CsrfChecked])
def revert(import_id: ImportId, request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Remove the records the import created; refused (and said why) if any changed since."""
    try:
        job = core.imports.revert(user, import_id)
    except ConflictError as exc:
        context = {"view": _view(request, core, user, import_id), "error": exc.message}
        return render(request, "imports/job.html", context, user=user, status=409)
    flash(
        request,
        f"Import #{job.id} reverted: the {job.created_count} records it created are removed.",
    )
    return RedirectResponse(f"/imports/{import_id}", status_code=303)


@router.post("/imports/{import_id}/resume", dependencies=[CsrfChecked])
def resume(import_id: ImportId, request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Carry on with an interrupted import."""
    job = core.imports.get(user, import_id)
    if not job.is_finished and runner_of(request).launch(job.id):
        flash(request, f"Import #{job.id} resumed.")
    return RedirectResponse(f"/imports/{import_id}", status_code=303)


# --- helpers ------------------------------------------------------------------------------


def _index(
    request: Request, core: Opportune, user: User, extra: dict[str, Any], status: int = 200
) -> Response:
    jobs = core.imports.list(user, limit=HISTORY_SIZE).items
    now = core.imports.clock()
    users = {u.id: u.name for u in core.users.list()}
    views = [job_view(j, runner_of(request).progress(j.id), now, _errors_url(j.id)) for j in jobs]
    context = {"views": views, "kinds": KINDS, "encodings": ENCODINGS, "users": users, **extra}
    return render(request, "imports/index.html", context, user=user, status=status)


def _posted(core: Opportune, user: User, form: Any) -> tuple[Path, MappingForm]:
    """The upload a mapping form names, and the choices it holds."""
    assert user.id is not None
    token = form.get("upload")
    path = stored_upload(core.settings.data_dir, user.id, token if isinstance(token, str) else "")
    object_type = form.get("object_type")
    if object_type not in KIND_NAMES:
        raise ValidationError.single("object_type", "INVALID_FIELD", "Choose what the rows are")
    encoding = form.get("encoding") if isinstance(form.get("encoding"), str) else "utf-8"
    preview = core.imports.preview(str(object_type), path, encoding=encoding or "utf-8")
    return path, MappingForm.from_form(form, preview.headers)


def _saved(core: Opportune, object_type: str, name: str) -> dict[str, str | None]:
    found = next((m for m in core.imports.mappings(object_type) if m.name == name), None)
    if found is None:
        raise NotFoundError(f"No saved mapping named '{name}'")
    return dict(found.columns)


def _mapping_step(
    request: Request,
    core: Opportune,
    user: User,
    form: MappingForm,
    path: Path,
    error: Exception | None,
    status: int = 200,
) -> Response:
    """The mapping page (or, for htmx, its form) with a preview of the chosen mapping."""
    overrides = form.mapping or None
    try:
        preview = core.imports.preview(
            form.object_type, path, encoding=form.encoding, mapping=overrides
        )
    except ValidationError as exc:
        return _index(request, core, user, {"upload_error": exc}, status=422)
    if not form.mapping:
        form.mapping = auto_mapping(form.object_type, preview.headers) or dict(preview.mapping)
    context = {
        "form": form, "preview": preview, "error": error,
        "fields": field_choices(form.object_type), "kind_name": KIND_NAMES[form.object_type],
        "saved": core.imports.mappings(form.object_type), "duplicates": DUPLICATES,
        "date_formats": DATE_FORMATS, "encodings": ENCODINGS,
    }  # fmt: skip
    name = "imports/_mapping_form.html" if is_htmx(request) else "imports/mapping.html"
    return render(request, name, context, user=user, status=status)


def _view(request: Request, core: Opportune, user: User, import_id: int) -> Any:
    job = core.imports.get(user, import_id)
    progress = runner_of(request).progress(import_id)
    return job_view(job, progress, core.imports.clock(), _errors_url(import_id))


def _errors_url(import_id: int) -> str:
    return f"/api/v1/imports/{import_id}/errors"
