"""Bulk API 2.0 ingest under ``/services/data/vNN.N/jobs/ingest`` (``sf.bulk2``).

Create a job, ``PUT`` its CSV to ``batches`` (streamed to disk), ``PATCH`` its state to
``UploadComplete`` (the job then runs in a background thread) or ``Aborted``, poll it,
and read its ``successfulResults``, ``failedResults`` and ``unprocessedrecords``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from opportune.api.background import queue_job
from opportune.api.body_limit import lift_body_limit
from opportune.api.deps import OpportuneDep
from opportune.api.salesforce.deps import ApiVersion, SfUser
from opportune.domain.jobs import JobKind
from opportune.domain.salesforce.bulk_jobs import JobState
from opportune.domain.salesforce.values import format_datetime
from opportune.errors import NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.salesforce.bulk import RESULT_KINDS, BulkJob

router = APIRouter()
log = logging.getLogger(__name__)
JOBS = "/data/{version}/jobs/ingest"
JOB = JOBS + "/{job_id}"
CSV_TYPE = "text/csv"


def job_info(job: BulkJob, *, full: bool = False) -> dict[str, Any]:
    """The job as Salesforce describes it (``full``: with counts and timings)."""
    info: dict[str, Any] = {
        "id": job.id, "operation": job.operation, "object": job.object_name,
        "createdById": job.created_by_id, "createdDate": format_datetime(job.created_at),
        "systemModstamp": format_datetime(job.updated_at), "state": job.state,
        "concurrencyMode": "Parallel", "contentType": job.content_type,
        "apiVersion": float(job.api_version), "jobType": "V2Ingest",
        "contentUrl": f"services/data/v{job.api_version}/jobs/ingest/{job.id}/batches",
        "lineEnding": job.line_ending, "columnDelimiter": job.column_delimiter,
    }  # fmt: skip
    if job.external_id_field:
        info["externalIdFieldName"] = job.external_id_field
    if full:
        info.update({
            "numberRecordsProcessed": job.records_processed,
            "numberRecordsFailed": job.records_failed, "retries": job.retries,
            "totalProcessingTime": job.processing_ms, "apiActiveProcessingTime": job.processing_ms,
            "apexProcessingTime": 0, "errorMessage": job.error_message,
        })  # fmt: skip
    return info


@router.post(JOBS)
def create_job(
    version: ApiVersion, user: SfUser, core: OpportuneDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:  # fmt: skip
    """Open an ingest job."""
    return job_info(core.bulk.create(user, body, version))


@router.get(JOBS)
def list_jobs(_: ApiVersion, user: SfUser, core: OpportuneDep) -> dict[str, Any]:
    """The caller's jobs (every job for an administrator), newest first."""
    records = [job_info(job) for job in core.bulk.list(user)]
    return {"done": True, "records": records, "nextRecordsUrl": None}


@router.get(JOB)
def get_job(job_id: str, _: ApiVersion, user: SfUser, core: OpportuneDep) -> dict[str, Any]:
    """The job with its progress."""
    return job_info(core.bulk.get(user, job_id), full=True)


@router.patch(JOB)
def change_job(
    job_id: str, _: ApiVersion, user: SfUser, core: OpportuneDep, request: Request,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:  # fmt: skip
    """Close the job (``UploadComplete``: it starts) or abort it (``Aborted``)."""
    job = core.bulk.change_state(user, job_id, body.get("state"))
    if job.state == JobState.UPLOAD_COMPLETE:
        _launch(request, core, job.id)
    return job_info(job)


@router.delete(JOB, status_code=204)
def delete_job(job_id: str, _: ApiVersion, user: SfUser, core: OpportuneDep) -> Response:
    """Delete the job and its data."""
    core.bulk.delete(user, job_id)
    return Response(status_code=204)


@router.put(JOB + "/batches", status_code=201)
async def upload(
    job_id: str, _: ApiVersion, user: SfUser, core: OpportuneDep, request: Request
) -> Response:
    """Receive the job's CSV, streamed to disk; 201 with no body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != CSV_TYPE:
        raise ValidationError.single(
            "Content-Type", "INVALIDCONTENTTYPE", f"Send the data as {CSV_TYPE}, not {kind!r}"
        )
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > core.settings.import_max_bytes:
        raise ValidationError.single(
            "file", "EXCEEDED_MAX_SIZE_REQUEST",
            f"The data is larger than the {core.settings.import_max_bytes} bytes a job accepts",
        )  # fmt: skip
    lift_body_limit(request)  # streamed to disk under OPPORTUNE_IMPORT_MAX_BYTES instead
    writer = await run_in_threadpool(core.bulk.start_upload, user, job_id)
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(writer.write, chunk)
        await run_in_threadpool(core.bulk.finish_upload, user, job_id, writer)
    except BaseException:
        writer.abandon()
        raise
    return Response(status_code=201)


@router.get(JOB + "/{kind}")
@router.get(JOB + "/{kind}/", include_in_schema=False)
def results(
    job_id: str, kind: str, _: ApiVersion, user: SfUser, core: OpportuneDep
) -> StreamingResponse:
    """``successfulResults``, ``failedResults`` or ``unprocessedrecords`` as CSV."""
    if kind.lower() not in {k.lower() for k in RESULT_KINDS}:
        raise NotFoundError("The requested resource does not exist", code="NOT_FOUND")
    chunks = core.bulk.results(user, job_id, kind)
    # One response holds every row: there is never a next part to locate.
    headers = {"Sforce-Locator": "null"}
    return StreamingResponse(chunks, media_type=CSV_TYPE, headers=headers)


def _launch(request: Request, core: Opportune, job_id: str) -> None:
    """Queue a closed job for a job worker; the request returns at once."""
    queued = core.jobs.enqueue(JobKind.SALESFORCE_BULK, {"bulk_job_id": job_id},
                               unique_key=f"salesforce-bulk:{job_id}")  # fmt: skip
    queue_job(request, queued)
