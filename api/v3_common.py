"""What every v3 operation shares: 202 with the job document, idempotency keys, callbacks."""

from __future__ import annotations

from flask import g, request
from rq.job import Job

from api import redis_store
from api.job_documents import job_document
from api.schemas import request_body
from api.uris import job_uri
from sspkg import callbacks, idempotency, queues


def job_response(job: Job, status: int = 202):
    """The job document, `status` (202 by default) and `Location` of the job resource."""
    return job_document(job), status, {"Location": job_uri(job.id)}


def body() -> dict:
    """The request body (JSON object), read once."""
    if "v3_body" not in g:
        g.v3_body = request_body()
    return g.v3_body


def callback_url() -> str | None:
    """The body's `callback_url`, checked against the allowed hosts."""
    return callbacks.check_url(redis_store.settings(), body().get("callback_url"))


def job_id_for(operation: str, subject: str) -> str:
    """The id of the job this request creates: derived from `Idempotency-Key` if sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return queues.new_job_id(operation, subject)
    settings = redis_store.settings()
    return idempotency.claim(redis_store.connection(), settings.SS_REDIS_PREFIX, g.user.username, key,
                             idempotency.fingerprint(request.method, request.path, body()),
                             f"{operation}-{subject}", int(settings.SS_IDEMPOTENCY_TTL))


def submit(operation: str, args: list, subject: str, size: int | None = None,
           package: str | None = None, job_id: str | None = None, location: str | None = None) -> Job:
    """Queue an operation for this request (idempotently if keyed) with its callback,
    on the queue of `location`'s space if it names one."""
    url = callback_url()
    return queues.enqueue(redis_store.connection(), redis_store.settings(), operation, args,
                          job_id or job_id_for(operation, subject), size=size, package=package,
                          is_async=redis_store.queue_async(), callback_url=url, location=location)
