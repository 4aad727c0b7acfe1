"""Canceling jobs: a queued job is canceled, a running one stopped; its work is undone."""

from __future__ import annotations

import logging

import redis
from rq import Queue
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from sspkg import cancellation, packages
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.exceptions import Conflict, StatusConflict
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


REQUEUEABLE = frozenset({JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


def requeue(connection: redis.Redis, catalogue: Catalogue, job: Job) -> Job:
    """Run an ended-in-error job again. A store's FAIL package goes back to PENDING first;
    a move is refused (the package went back where it was: ask for a new move)."""
    status = job.get_status(refresh=True)
    if status not in REQUEUEABLE:
        raise Conflict(f"job {job.id} is {status.value}; only failed, stopped or canceled jobs are requeued")
    operation = job.meta.get("operation")
    if operation == "move":
        raise Conflict("a failed move left its package where it was; request a new move")
    if operation == "store":
        packages.set_status(catalogue, job.args[0], PackageStatus.PENDING,
                            expect=[PackageStatus.FAIL], error=None)
    job.meta["error"] = None
    job.save_meta()
    if status == JobStatus.FAILED:
        job.requeue()
    else:
        Queue(job.origin, connection=connection, serializer=JSONSerializer).enqueue_job(job)
    return job


def requeue_failed(connection: redis.Redis, catalogue: Catalogue) -> tuple[list[str], dict[str, str]]:
    """Requeue every failed job that can be; (ids requeued, {id: why not})."""
    done, refused = [], {}
    for queue in Queue.all(connection=connection, serializer=JSONSerializer):
        registry = FailedJobRegistry(queue=queue)
        for job in Job.fetch_many(registry.get_job_ids(), connection=connection, serializer=JSONSerializer):
            if job is None:
                continue
            try:
                requeue(connection, catalogue, job)
                done.append(job.id)
            except (Conflict, StatusConflict) as error:
                refused[job.id] = error.message
    return done, refused
