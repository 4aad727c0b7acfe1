"""RQ queues and job submission: JSON serializer, Retry, size-scaled timeouts, unique ids."""

from __future__ import annotations

import logging
import uuid

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from config import Settings
from sspkg.models import Package

logger = logging.getLogger(__name__)

STORE_QUEUE = "store"
FIXITY_QUEUE = "fixity"
DEFAULT_QUEUE = "default"


def get_queue(connection: redis.Redis, name: str, is_async: bool = True) -> Queue:
    """The named queue, with the JSON serializer every job uses."""
    return Queue(name, connection=connection, serializer=JSONSerializer, is_async=is_async)


def fetch_job(connection: redis.Redis, job_id: str) -> Job | None:
    """The job, or None once it has expired (or never was)."""
    try:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def store_timeout(settings: Settings, size: int | None) -> int:
    """Seconds a store of `size` bytes may take: a floor plus the size at a slow rate."""
    if not size:
        return int(settings.SS_JOB_TIMEOUT_UNKNOWN_SIZE)
    return int(settings.SS_JOB_TIMEOUT_MIN + size / settings.SS_JOB_MIN_THROUGHPUT)


def enqueue_store(connection: redis.Redis, settings: Settings, package: Package,
                  is_async: bool = True) -> Job:
    """Queue the store job of a PENDING package, or return it if already queued.

    The job id is the package's own (``store-<uuid>-<attempt>``) and enqueued
    with ``unique=True``: a second submission finds the first job.
    """
    queue = get_queue(connection, STORE_QUEUE, is_async=is_async)
    try:
        return queue.enqueue(
            "jobs.store.store_package", package.uuid,
            job_id=package.job_id, unique=True,
            retry=Retry(max=settings.SS_JOB_RETRIES, interval=settings.retry_intervals),
            job_timeout=store_timeout(settings, package.size),
            result_ttl=settings.SS_JOB_RESULT_TTL, failure_ttl=settings.SS_JOB_FAILURE_TTL,
            meta={"operation": "store", "package": package.uuid},
            description=f"store {package.package_type} {package.uuid}",
        )
    except DuplicateJobError:
        logger.info("store job %s already exists", package.job_id)
        return fetch_job(connection, package.job_id)


def enqueue_fixity(connection: redis.Redis, settings: Settings, package: Package,
                   is_async: bool = True) -> Job:
    """Queue a fixity check of a stored package."""
    queue = get_queue(connection, FIXITY_QUEUE, is_async=is_async)
    return queue.enqueue(
        "jobs.fixity.check_fixity", package.uuid,
        job_id=f"fixity-{package.uuid}-{uuid.uuid4().hex[:12]}",
        retry=Retry(max=settings.SS_JOB_RETRIES, interval=settings.retry_intervals),
        job_timeout=store_timeout(settings, package.size),
        result_ttl=settings.SS_JOB_RESULT_TTL, failure_ttl=settings.SS_JOB_FAILURE_TTL,
        meta={"operation": "fixity", "package": package.uuid},
        description=f"fixity {package.package_type} {package.uuid}",
    )
