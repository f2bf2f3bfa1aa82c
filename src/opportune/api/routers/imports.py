"""REST API: CSV imports (upload, follow, revert, resume, error files, saved mappings).

``POST /imports`` streams the upload to disk, records the import and runs it in a
background thread: it answers 202 at once, and ``GET /imports/{id}`` follows the job.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from opportune.api.background import runner_of
from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, ErrorOut, error_responses
from opportune.api.schemas.imports import (
    ImportMappingIn,
    ImportMappingOut,
    ImportOptionsIn,
    ImportOut,
    ImportPageOut,
    ImportPreviewOut,
    PreviewProblem,
    RowError,
    job_out,
)
from opportune.api.uploads import Upload, discard_upload, is_stored_for, receive_upload
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError
from opportune.services import Opportune
from opportune.services.imports.runner import runner_alive

router = resource_router(tags=["imports"])

ImportId = Annotated[int, Path(ge=1, le=MAX_ID, description="The import's id")]
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 422),
    404: {"model": ErrorOut, "description": "No saved mapping with the `saved_mapping` name"},
    413: {
        "model": ErrorOut,
        "description": "The file is over OPPORTUNE_IMPORT_MAX_BYTES (REQUEST_TOO_LARGE)",
    },
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "object_type"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "object_type": {"enum": ["lead", "account", "contact", "opportunity"]},
                        "options": {
                            "type": "string",
                            "description": "The other options (ImportOptionsIn) as JSON",
                        },
                        "mapping": {"type": "string", "description": "JSON: header -> field"},
                        "saved_mapping": {"type": "string"},
                        "duplicates": {"enum": ["skip", "update", "create"]},
                        "all_or_none": {"type": "boolean"},
                        "assign": {"type": "boolean"},
                        "encoding": {"type": "string"},
                        "date_format": {"enum": ["auto", "dmy", "mdy"]},
                    },
                }
            }
        },
    }
}


@router.post(
    "/imports",
    status_code=202,
    openapi_extra=UPLOAD_BODY,
    responses=UPLOAD_RESPONSES,
)
async def create_import(
    request: Request, response: Response, user: CurrentUser, core: OpportuneDep
) -> ImportOut:
    """Upload a CSV file and import it in the background; follow it at the `Location`.

    The same file already imported completely comes back with `already_done` true and
    nothing is imported again.
    """
    upload = await _receive(request, core, user)
    try:
        options = ImportOptionsIn.from_form(upload.fields)
        job = await run_in_threadpool(
            core.imports.start, user, options.object_type, upload.path,
            file_name=upload.file_name, **options.start_arguments(),
        )  # fmt: skip
    except BaseException:
        discard_upload(upload.path)
        raise
    if not is_stored_for(job, upload.path):
        discard_upload(upload.path)  # an earlier import of the same file is used instead
    if not job.is_finished:
        await run_in_threadpool(runner_of(request).launch, job.id)
    response.headers["Location"] = str(request.url_for("get_import", import_id=job.id))
    return _out(request, core, job)


@router.post("/imports/preview", openapi_extra=UPLOAD_BODY, responses=UPLOAD_RESPONSES)
async def preview_import(
    request: Request, user: CurrentUser, core: OpportuneDep
) -> ImportPreviewOut:
    """What importing the file would do (mapping, first rows, problems); nothing is stored."""
    upload = await _receive(request, core, user)
    try:
        options = ImportOptionsIn.from_form(upload.fields)
        preview = await run_in_threadpool(
            core.imports.preview, options.object_type, upload.path,
            encoding=options.encoding, mapping=options.mapping,
        )  # fmt: skip
    finally:
        discard_upload(upload.path)
    return preview_out(preview)


@router.get("/imports", responses=error_responses(401, 422))
def list_imports(
    request: Request,
    user: CurrentUser,
    core: OpportuneDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Imports per page")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of a page")] = None,
) -> ImportPageOut:
    """Imports, newest first: who, when, which file, counts and status."""
    page = core.imports.list(user, limit=limit, cursor=cursor)
    items = [_out(request, core, job) for job in page.items]
    return ImportPageOut(items=items, next_cursor=page.next_cursor)


@router.get("/imports/{import_id}", responses=error_responses(401, 404, 422))
def get_import(
    import_id: ImportId, request: Request, user: CurrentUser, core: OpportuneDep
) -> ImportOut:
    """The import's status, counts and progress (rate and ETA while it runs)."""
    return _out(request, core, core.imports.get(user, import_id))


@router.get(
    "/imports/{import_id}/errors",
    response_class=FileResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The rejected rows, with reasons"},
        **error_responses(401, 404, 422),
    },
)
def import_errors(import_id: ImportId, user: CurrentUser, core: OpportuneDep) -> FileResponse:
    """The rejected rows: each original row with its line number and reason; fix and re-import."""
    job = core.imports.get(user, import_id)
    path = core.imports.error_file(user, import_id)
    if path is None:
        raise NotFoundError(f"Import {import_id} has no rejected rows")
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"{stem}-errors.csv")


@router.post("/imports/{import_id}/revert", responses=error_responses(401, 403, 404, 409, 422))
def revert_import(
    import_id: ImportId, request: Request, user: CurrentUser, core: OpportuneDep
) -> ImportOut:
    """Remove the records the import created (refused while any was changed since)."""
    return _out(request, core, core.imports.revert(user, import_id))


@router.post(
    "/imports/{import_id}/resume",
    status_code=202,
    responses=error_responses(401, 403, 404, 409, 422),
)
def resume_import(
    import_id: ImportId, request: Request, user: CurrentUser, core: OpportuneDep
) -> ImportOut:
    """Carry on with an interrupted import where it stopped (no row is imported twice)."""
    job = core.imports.get(user, import_id)
    if job.is_finished:
        raise ConflictError(f"Import #{import_id} is {job.status}: nothing to resume",
                            code="IMPORT_FINISHED")  # fmt: skip
    if (job.status == "running" and runner_alive(job)) or not runner_of(request).launch(job.id):
        raise ConflictError(f"Import #{import_id} is already running", code="IMPORT_RUNNING")
    return _out(request, core, core.imports.get(user, import_id))


@router.get("/import-mappings", responses=error_responses(401, 422))
def list_mappings(
    user: CurrentUser,
    core: OpportuneDep,
    object_type: Annotated[
        str | None, Query(description="lead, account, contact or opportunity")
    ] = None,
) -> list[ImportMappingOut]:
    """Saved column mappings, of one kind of record or of all."""
    found = core.imports.mappings(object_type or None)
    return [ImportMappingOut.model_validate(m, from_attributes=True) for m in found]


@router.post("/import-mappings", status_code=201, responses=error_responses(401, 422))
def save_mapping(body: ImportMappingIn, user: CurrentUser, core: OpportuneDep) -> ImportMappingOut:
    """Save a column mapping under a name, to reuse for files with the same headers."""
    saved = core.imports.save_mapping(user, body.object_type, body.name, body.columns)
    return ImportMappingOut.model_validate(saved, from_attributes=True)


async def _receive(request: Request, core: Opportune, user: User) -> Upload:
    assert user.id is not None
    settings = core.settings
    return await receive_upload(request, settings.data_dir, user.id, settings.import_max_bytes)


def _out(request: Request, core: Opportune, job: Any) -> ImportOut:
    url = str(request.url_for("import_errors", import_id=job.id))
    progress = runner_of(request).progress(job.id)
    return job_out(job, progress, core.imports.clock(), url)


def preview_out(preview: Any) -> ImportPreviewOut:
    """The API shape of an import preview."""
    return ImportPreviewOut(
        object_type=preview.object_type, headers=preview.headers, mapping=preview.mapping,
        ignored=preview.ignored, rows=preview.rows,
        problems=[PreviewProblem(**p.as_dict()) for p in preview.problems],
        row_errors=[RowError(line=line, message=msg) for line, msg in preview.row_errors],
    )  # fmt: skip
