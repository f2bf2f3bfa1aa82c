"""Web UI: background jobs on ``/setup/jobs`` — the queue's depth, recent jobs with their
progress and errors, and Cancel and Retry buttons (administrators see every job)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.background import queue_job
from opportune.api.deps import OpportuneDep
from opportune.web.deps import CsrfChecked, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
PAGE_SIZE = 100
StateFilter = Literal["", "queued", "running", "succeeded", "failed", "cancelled"]


@router.get("/setup/jobs")
def jobs_page(
    request: Request,
    user: WebUser,
    core: OpportuneDep,
    state: Annotated[StateFilter, Query()] = "",
) -> Response:
    """Recent jobs, newest first, with the number of jobs in each state."""
    found = core.jobs.list(user, states=[state] if state else None, limit=PAGE_SIZE)
    context = {
        "nav": "setup", "jobs": found, "counts": core.jobs.counts(), "state": state,
    }  # fmt: skip
    return render(request, "setup/jobs.html", context, user=user)


@router.post("/setup/jobs/{job_id:int}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, job_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Cancel a queued job, or ask a running one to stop."""
    job = core.jobs.cancel(user, job_id)
    flash(request, f"Job {job.id} cancelled." if job.is_finished
          else f"Job {job.id} will stop at its next progress report.")  # fmt: skip
    return RedirectResponse("/setup/jobs", status_code=303)


@router.post("/setup/jobs/{job_id:int}/retry", dependencies=[CsrfChecked])
def retry(request: Request, job_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Queue a failed or cancelled job again."""
    job = core.jobs.retry(user, job_id)
    queue_job(request, job)
    flash(request, f"Job {job.id} queued again.")
    return RedirectResponse("/setup/jobs", status_code=303)
