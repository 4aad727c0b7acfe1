"""Job documents: the SS `async/<id>/` status document, and waiting on a job."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Response
from rq.job import Job, JobStatus

from api.uris import async_uri

TERMINAL = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}
ERROR_STATES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat(timespec="seconds")


def job_error(job: Job) -> dict | None:
    """`{type, message}` of a failed job, from what the job recorded or RQ's exc_info."""
    recorded = job.meta.get("error")
    if recorded:
        return {"type": recorded["type"], "message": recorded["message"]}
    status = job.get_status(refresh=False)
    if status in ERROR_STATES:
        lines = (job.exc_info or "").strip().splitlines()
        return {"type": status.value, "message": lines[-1] if lines else f"job {status.value}"}
    return None


def async_document(job: Job) -> dict:
    """The SS async status document of a job."""
    status = job.get_status(refresh=True)
    progress = job.meta.get("progress", {})
    updated = progress.get("updated_at")
    document = {
        "id": job.id,
        "completed": status in TERMINAL,
        "was_error": status in ERROR_STATES,
        "created_time": _iso(job.created_at),
        "updated_time": _iso(datetime.fromtimestamp(updated, timezone.utc)) if updated
        else _iso(job.ended_at or job.started_at or job.enqueued_at or job.created_at),
        "completed_time": _iso(job.ended_at) if status in TERMINAL else None,
        "resource_uri": async_uri(job.id),
        "status": status.value,
        "progress": progress or None,
    }
    if status == JobStatus.FINISHED:
        document["result"] = job.return_value()
    elif status in ERROR_STATES:
        document["error"] = job_error(job)
    return document


def wait_for(job: Job, seconds: float, poll: float = 0.1) -> JobStatus:
    """Wait until the job ends or `seconds` pass; its last status."""
    deadline = time.monotonic() + seconds
    status = job.get_status(refresh=True)
    while status not in TERMINAL and time.monotonic() < deadline:
        time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        status = job.get_status(refresh=True)
    return status


def accepted(job: Job) -> Response:
    """202 with an empty body and `Location` of the job's status document."""
    return Response(status=202, headers={"Location": async_uri(job.id)})
