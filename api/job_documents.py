"""Job documents over HTTP: building them with this API's URIs, answering 202, waiting."""

from __future__ import annotations

import time

from flask import Response, request
from rq.job import Job, JobStatus
from rq.results import Result

from api.uris import async_uri
from sspkg import job_documents
from sspkg.job_documents import TERMINAL, job_error

__all__ = ["accepted", "async_document", "job_document", "job_error", "respond_async_requested",
           "wait_for"]


def async_document(job: Job, refresh: bool = True) -> dict:
    """The SS v2 async status document."""
    return job_documents.v2_async_document(job, async_uri(job.id), refresh)


def job_document(job: Job, refresh: bool = True) -> dict:
    """The v3 job resource."""
    return job_documents.v3_document(job, refresh)


def wait_for(job: Job, seconds: float, block_ms: int = 1000) -> JobStatus:
    """Wait until the job ends or `seconds` pass; its last status.

    Blocks on the job's result stream (where RQ writes every attempt's outcome),
    so the answer follows the job's end at once instead of at the next poll.
    Each block stays under the web connection's socket timeout.
    """
    deadline = time.monotonic() + seconds
    stream = Result.get_key(job.id)
    newest = job.connection.xrevrange(stream, "+", "-", count=1)
    last_id = newest[0][0] if newest else "0-0"
    status = job.get_status(refresh=True)
    while status not in TERMINAL:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            break
        answer = job.connection.xread({stream: last_id}, block=min(block_ms, remaining_ms))
        if answer:
            last_id = answer[0][1][-1][0]
        status = job.get_status(refresh=True)
    return status


def respond_async_requested() -> bool:
    """Whether the client sent `Prefer: respond-async` (RFC 7240)."""
    preferences = ",".join(request.headers.getlist("Prefer")).lower()
    return any(p.split(";")[0].strip() == "respond-async" for p in preferences.split(","))


def accepted(job: Job) -> Response:
    """v2: 202 with an empty body and `Location` of the job's status document
    (and `Preference-Applied` when the client asked for it)."""
    response = Response(status=202, headers={"Location": async_uri(job.id)})
    if respond_async_requested():
        response.headers["Preference-Applied"] = "respond-async"
    return response

