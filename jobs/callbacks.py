"""RQ callbacks of every operation, and the job that delivers client callbacks.

`on_success` / `on_failure` / `on_stopped` run in the worker when a job ends;
when a client asked for a callback (or a post-store URL is configured) they
queue `deliver_callback`, which RQ retries with backoff until a 2xx.
"""

from __future__ import annotations

import logging

import redis
from rq.job import Job

from config import load_settings
from sspkg import callbacks, cancellation, job_documents, queues
from sspkg.catalogue import Catalogue
from sspkg.exceptions import PermanentJobError

logger = logging.getLogger(__name__)


class JobNotEnded(Exception):
    """The job's end is not recorded yet; deliver a little later."""


def _urls(job: Job, settings) -> list[str]:
    urls = [job.meta["callback_url"]] if job.meta.get("callback_url") else []
    if job.meta.get("operation") == "store" and settings.SS_POST_STORE_CALLBACK_URL:
        urls.append(settings.SS_POST_STORE_CALLBACK_URL)
    return urls


def _notify(job: Job, connection: redis.Redis, status: str) -> None:
    settings = load_settings()
    for url in _urls(job, settings):
        queues.enqueue_callback(connection, settings, job.id, url, status)


def on_success(job: Job, connection: redis.Redis, result, *args, **kwargs) -> None:
    """A job finished: tell whoever asked."""
    _notify(job, connection, "finished")


def on_failure(job: Job, connection: redis.Redis, *exc_info, **kwargs) -> None:
    """A job failed: tell whoever asked, once no retry will follow."""
    if job.retries_left:
        return
    _notify(job, connection, "failed")


def on_stopped(job: Job, connection: redis.Redis) -> None:
    """A running job was stopped on request: undo its half-done work, then tell."""
    settings = load_settings()
    cancellation.undo(Catalogue(connection, settings.SS_REDIS_PREFIX), job.meta.get("operation"),
                      list(job.args), "canceled while running")
    _notify(job, connection, "stopped")


def deliver_callback(job_id: str, url: str, status: str) -> dict:
    """POST the ended job's v3 document to `url`, signed; raise (so RQ retries) unless 2xx."""
    from rq import get_current_job

    connection = get_current_job().connection
    settings = load_settings()
    job = queues.fetch_job(connection, job_id)
    if job is None:
        return {"delivered": False, "reason": "job expired"}
    if job.get_status(refresh=True) not in job_documents.TERMINAL:
        raise JobNotEnded(f"job {job_id} has not ended yet")
    document = job_documents.v3_document(job)
    try:
        callbacks.check_destination(settings, url)
    except callbacks.CallbackForbidden as error:
        get_current_job().retries_left = 0
        raise PermanentJobError(str(error)) from None
    key = callbacks.secret(settings, connection, settings.SS_REDIS_PREFIX)
    code = callbacks.deliver(url, document, key, callbacks.event_id(job_id, status),
                             float(settings.SS_CALLBACK_TIMEOUT))
    return {"delivered": True, "status_code": code}
