"""REST API: background jobs — follow, cancel and retry them; queue bulk work as a job."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request, Response
from pydantic import BaseModel, Field

from opportune.api.background import queue_job
from opportune.api.deps import CurrentUser, OpportuneDep
from opportune.api.routers.base import resource_router
from opportune.api.schemas import MAX_ID, error_responses
from opportune.api.schemas.assignment import ReassignIn
from opportune.api.schemas.conversions import BulkConvertIn
from opportune.domain.jobs import Job

router = resource_router("/jobs", tags=["jobs"])
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="The job's id")]
State = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(BaseModel):
    """A background job: what it does, where it stands, and what came of it."""

    id: int
    kind: str
    state: State
    attempts: int = Field(description="Attempts started so far")
    max_attempts: int
    run_after: datetime = Field(description="Not taken before this time (retry back-off)")
    cancel_requested: bool
    progress: dict[str, Any] | None = Field(description="The worker's latest report")
    result: dict[str, Any] | None
    error: str | None = Field(description="The last failed attempt's error")
    created_by_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """The response body for a job."""
        return cls(
            id=job.id, kind=job.kind, state=job.state.value, attempts=job.attempts,
            max_attempts=job.max_attempts, run_after=job.run_after,
            cancel_requested=job.cancel_requested, progress=job.progress, result=job.result,
            error=job.error, created_by_id=job.created_by_id, created_at=job.created_at,
            started_at=job.started_at, finished_at=job.finished_at, url=f"/api/v1/jobs/{job.id}",
        )  # fmt: skip


class JobCountsOut(BaseModel):
    """How many jobs are in each state."""

    queued: int
    running: int
    succeeded: int
    failed: int
    cancelled: int


@router.get("", responses=error_responses(401, 422))
def list_jobs(
    user: CurrentUser,
    core: OpportuneDep,
    state: Annotated[list[State] | None, Query(description="Only these states")] = None,
    kind: Annotated[str | None, Query(max_length=40, description="Only this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[JobOut]:
    """Jobs newest first: administrators see every job, others the jobs they queued."""
    found = core.jobs.list(user, states=list(state or []) or None, kind=kind, limit=limit)
    return [JobOut.of(job) for job in found]


@router.get("/counts", responses=error_responses(401))
def job_counts(user: CurrentUser, core: OpportuneDep) -> JobCountsOut:
    """The queue's depth: how many jobs are in each state."""
    return JobCountsOut(**core.jobs.counts())


@router.get("/{job_id}", responses=error_responses(401, 404, 422))
def get_job(job_id: JobId, user: CurrentUser, core: OpportuneDep) -> JobOut:
    """One job, with its progress while it runs and its result once done."""
    return JobOut.of(core.jobs.get(user, job_id))


@router.post("/{job_id}/cancel", responses=error_responses(401, 403, 404, 409, 422))
def cancel_job(job_id: JobId, user: CurrentUser, core: OpportuneDep) -> JobOut:
    """Cancel a job: a queued one ends at once; a running one stops at its next progress
    report, keeping what it already committed. 409 JOB_FINISHED once it has ended."""
    return JobOut.of(core.jobs.cancel(user, job_id))


@router.post("/{job_id}/retry", responses=error_responses(401, 403, 404, 409, 422))
def retry_job(job_id: JobId, request: Request, user: CurrentUser, core: OpportuneDep) -> JobOut:
    """Queue a failed or cancelled job again with a fresh set of attempts."""
    job = core.jobs.retry(user, job_id)
    queue_job(request, job)
    return JobOut.of(job)


@router.post("/conversions", status_code=202, responses=error_responses(400, 401, 403, 422))
def queue_conversions(
    body: BulkConvertIn, request: Request, response: Response, user: CurrentUser,
    core: OpportuneDep,
) -> JobOut:  # fmt: skip
    """Convert many leads in the background (same body as POST /leads/convert); follow the
    job at its URL. Its result counts successes and failures and lists the failures."""
    items = [item.model_dump(mode="json", exclude_unset=True) | {"lead_id": item.lead_id}
             for item in body.items]  # fmt: skip
    job = core.jobs.queue_conversions(user, items, all_or_none=body.all_or_none)
    return _accepted(request, response, job)


@router.post("/reassignments", status_code=202, responses=error_responses(400, 401, 403, 422))
def queue_reassignment(
    body: ReassignIn, request: Request, response: Response, user: CurrentUser,
    core: OpportuneDep,
) -> JobOut:  # fmt: skip
    """Re-run assignment in the background over the leads the filters match (same body as
    POST /leads/reassign; administrators and managers)."""
    filters = body.model_dump(mode="json", exclude={"rule_id"})
    job = core.jobs.queue_reassignment(user, filters, rule_id=body.rule_id)
    return _accepted(request, response, job)


def _accepted(request: Request, response: Response, job: Job) -> JobOut:
    queue_job(request, job)
    out = JobOut.of(job)
    response.headers["Location"] = out.url
    return out
