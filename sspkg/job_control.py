"""Canceling jobs: a queued job is canceled, a running one stopped; its work is undone."""

from __future__ import annotations

import logging

import redis
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from sspkg import cancellation
from sspkg.catalogue import Catalogue
from sspkg.exceptions import Conflict
from sspkg.job_documents import TERMINAL

logger = logging.getLogger(__name__)


def cancel(connection: redis.Redis, catalogue: Catalogue, job: Job) -> JobStatus:
    """Cancel or stop `job`. Returns the status it had. Conflict if it had ended.

    A stopped job's undoing runs in its worker (the `on_stopped` callback); a
    canceled one is undone here, since no worker will see it again.
    """
    status = job.get_status(refresh=True)
    if status in TERMINAL:
        raise Conflict(f"job {job.id} has already ended ({status.value})")
    if status == JobStatus.STARTED:
        try:
            send_stop_job_command(connection, job.id, serializer=JSONSerializer)
            return status
        except InvalidJobOperation:
            logger.info("job %s was no longer executing; canceling it", job.id)
    job.cancel()
    cancellation.undo(catalogue, job.meta.get("operation"), list(job.args), "canceled before it ran")
    return status
