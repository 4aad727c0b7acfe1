"""Documents describing a job: SS's v2 `async/<id>/` document and the v3 job resource.

Both read the same RQ job: its status, its ``meta`` (operation, package,
attempt, progress, error) and its result.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rq.job import Job, JobStatus

TERMINAL = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})
ERROR_STATES = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")


def job_error(job: Job) -> dict | None:
    """`{type, message}` of a job that failed, was stopped or canceled; None otherwise."""
    status = job.get_status(refresh=False)
    if status not in ERROR_STATES:
        return None
    recorded = job.meta.get("error")
    if recorded and status == JobStatus.FAILED:
        return {"type": recorded["type"], "message": recorded["message"]}
    if status == JobStatus.FAILED:
        lines = (job.exc_info or "").strip().splitlines()
        return {"type": "failed", "message": lines[-1] if lines else "job failed"}
    return {"type": status.value, "message": f"job {status.value} on request"}


def progress(job: Job) -> dict:
    """`{stage, bytes_done, bytes_total, percent}` as last reported by the job."""
    reported = job.meta.get("progress") or {}
    return {key: reported.get(key) for key in ("stage", "bytes_done", "bytes_total", "percent")}


def v2_async_document(job: Job, uri: str, refresh: bool = True) -> dict:
    """The SS async status document of a job (`refresh=False` for a job just fetched)."""
    status = job.get_status(refresh=refresh)
    updated = (job.meta.get("progress") or {}).get("updated_at")
    document = {
        "id": job.id,
        "completed": status in TERMINAL,
        "was_error": status in ERROR_STATES,
        "created_time": iso(job.created_at),
        "updated_time": iso(datetime.fromtimestamp(updated, timezone.utc)) if updated
        else iso(job.ended_at or job.started_at or job.enqueued_at or job.created_at),
        "completed_time": iso(job.ended_at) if status in TERMINAL else None,
        "resource_uri": uri,
        "status": status.value,
        "progress": progress(job),
    }
    if status == JobStatus.FINISHED:
        document["result"] = job.return_value()
    elif status in ERROR_STATES:
        document["error"] = job_error(job)
    return document


V3 = "/api/v3"


def v3_document(job: Job, refresh: bool = True) -> dict:
    """The v3 job resource (`refresh=False` for a job just fetched)."""
    status = job.get_status(refresh=refresh)
    package = job.meta.get("package")
    return {
        "id": job.id,
        "operation": job.meta.get("operation"),
        "status": status.value,
        "package": job.meta.get("package"),
        "progress": progress(job),
        "attempt": int(job.meta.get("attempt", 0)),
        "max_attempts": int(job.meta.get("max_attempts", 1)),
        "result": job.return_value() if status == JobStatus.FINISHED else None,
        "error": job_error(job),
        "created_at": iso(job.created_at),
        "enqueued_at": iso(job.enqueued_at),
        "started_at": iso(job.started_at),
        "ended_at": iso(job.ended_at) if status in TERMINAL else None,
        "links": {"self": f"{V3}/jobs/{job.id}", "package": f"{V3}/packages/{package}" if package else None},
    }
