"""What each kind of background job does: one function per kind, over the services.

A handler gets the installation, the job, and a ``report`` callable taking a progress
dict; it returns a small JSON-safe result. ``report`` raises
:class:`~opportune.domain.jobs.JobCancelled` once the job was asked to stop, so long
work stops at a safe point between its committed batches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from opportune.domain.jobs import Job, JobKind
from opportune.errors import NotFoundError
from opportune.services.filters import LeadFilters

if TYPE_CHECKING:
    from opportune.services import Opportune

Report = Callable[[Mapping[str, Any]], None]
Handler = Callable[["Opportune", Job, Report], dict[str, Any]]
FAILURES_KEPT = 100


def run_import(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Run (or resume) a CSV import in committed batches."""
    done = core.imports.run(
        int(job.payload["import_id"]),
        progress=lambda p: report(dataclasses.asdict(p)),
    )
    return {"import_id": done.id, "status": done.status, "created": done.created_count,
            "updated": done.updated_count, "skipped": done.skipped_count,
            "errors": done.error_count}  # fmt: skip


def run_bulk_conversion(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Convert many leads as the user who asked, with the options given per lead."""
    from opportune.services.conversions import ConvertRequest

    actor = _actor(core, job)
    items = list(job.payload["items"])
    requests = [ConvertRequest(int(i["lead_id"]), _options(i)) for i in items]
    results = core.conversions.convert_many(
        actor, requests, all_or_none=bool(job.payload.get("all_or_none")),
        progress=lambda n: report({"done": n, "total": len(requests)}),
    )  # fmt: skip
    failed = [r for r in results if not r.success]
    return {
        "total": len(results), "succeeded": len(results) - len(failed), "failed": len(failed),
        "failures": [{"lead_id": r.lead_id, "errors": [e.message for e in r.errors]}
                     for r in failed[:FAILURES_KEPT]],
    }  # fmt: skip


def run_assignment(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Re-run assignment over the leads the stored filters match."""
    actor = _actor(core, job)
    values = dict(job.payload.get("filters", {}))
    for day in ("created_from", "created_to"):  # JSON keeps dates as ISO text
        if values.get(day):
            values[day] = date.fromisoformat(values[day])
    filters = LeadFilters(**values)
    report({"message": "assigning"})
    result = core.assignment.reassign(actor, filters, rule_id=job.payload.get("rule_id"))
    return {"rule_name": result.rule_name, "matched": result.matched,
            "changed": result.changed, "unchanged": result.unchanged}  # fmt: skip


def run_salesforce_bulk(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Work through a closed Bulk API 2.0 ingest job."""
    report({"message": "processing"})
    done = core.bulk.process(str(job.payload["bulk_job_id"]))
    return {"bulk_job_id": done.id, "state": str(done.state)}


def run_web_to_lead_queue(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Turn queued web-to-lead posts into leads, as far as each form's daily cap allows."""
    run = core.web_forms.process_queue()
    return {"processed": run.processed, "remaining": run.remaining, **run.by_status}


def run_recycle_bin_purge(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """Delete for good what stayed in the recycle bin past the retention period."""
    return {"purged": core.recycle_bin.purge_expired()}


def run_maintenance(core: Opportune, job: Job, report: Report) -> dict[str, Any]:
    """House-keeping: remove old uploads, expired bulk jobs and old finished jobs; queue
    the imports and bulk jobs a dead process left unfinished."""
    uploads = core.imports.cleanup_uploads()
    waiting = core.imports.resume_interrupted(resume=False)
    for found in waiting:
        core.jobs.enqueue(JobKind.IMPORT, {"import_id": found.id},
                          unique_key=f"import:{found.id}")  # fmt: skip
    core.bulk.resume_interrupted()
    return {
        "uploads_removed": uploads.removed,
        "imports_resumed": len(waiting),
        "bulk_jobs_purged": core.bulk.purge_expired(),
        "jobs_purged": core.jobs.purge_finished(),
    }


HANDLERS: dict[str, Handler] = {
    JobKind.IMPORT: run_import,
    JobKind.BULK_CONVERSION: run_bulk_conversion,
    JobKind.ASSIGNMENT_RERUN: run_assignment,
    JobKind.SALESFORCE_BULK: run_salesforce_bulk,
    JobKind.WEB_TO_LEAD_QUEUE: run_web_to_lead_queue,
    JobKind.RECYCLE_BIN_PURGE: run_recycle_bin_purge,
    JobKind.MAINTENANCE: run_maintenance,
}


def _actor(core: Opportune, job: Job) -> Any:
    user_id = job.payload.get("user_id") or job.created_by_id
    if not user_id:
        raise NotFoundError(f"Job {job.id} names no user to act as")
    return core.users.get(int(user_id))


def _options(item: Mapping[str, Any]) -> dict[str, object]:
    return {key: value for key, value in item.items() if key != "lead_id"}
