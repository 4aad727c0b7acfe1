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

OPERATIONS = {
    "store": ("jobs.store.store_package", STORE_QUEUE),
    "fixity": ("jobs.fixity.check_fixity", FIXITY_QUEUE),
    "move": ("jobs.packages.move_package", STORE_QUEUE),
    "delete": ("jobs.packages.delete_package", DEFAULT_QUEUE),
    "replicate": ("jobs.packages.replicate_package", STORE_QUEUE),
    "recover": ("jobs.packages.recover_package", STORE_QUEUE),
    "move_files": ("jobs.location_files.move_files", DEFAULT_QUEUE),
}
"""Every operation a job performs: its function and its queue."""


def get_queue(connection: redis.Redis, name: str, is_async: bool = True) -> Queue:
    """The named queue, with the JSON serializer every job uses."""
    return Queue(name, connection=connection, serializer=JSONSerializer, is_async=is_async)


def fetch_job(connection: redis.Redis, job_id: str) -> Job | None:
    """The job, or None once it has expired (or never was)."""
    try:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def size_timeout(settings: Settings, size: int | None) -> int:
    """Seconds a job over `size` bytes may take: a floor plus the size at a slow rate."""
    if not size:
        return int(settings.SS_JOB_TIMEOUT_UNKNOWN_SIZE)
    return int(settings.SS_JOB_TIMEOUT_MIN + size / settings.SS_JOB_MIN_THROUGHPUT)



def new_job_id(operation: str, subject: str) -> str:
    """A fresh job id naming its operation and subject."""
    return f"{operation}-{subject}-{uuid.uuid4().hex[:12]}"


def enqueue(connection: redis.Redis, settings: Settings, operation: str, args: list,
            job_id: str, size: int | None = None, package: str | None = None,
            is_async: bool = True, depends_on: Job | None = None) -> Job:
    """Queue `operation` with the service's policy; an existing job of that id is returned.

    Jobs are unique by id (``unique=True``), retried with backoff, given a
    timeout that grows with `size`, and described in ``meta`` (operation, package).
    """
    function, queue_name = OPERATIONS[operation]
    queue = get_queue(connection, queue_name, is_async=is_async)
    try:
        return queue.enqueue(
            function, *args, job_id=job_id, unique=True,
            retry=Retry(max=settings.SS_JOB_RETRIES, interval=settings.retry_intervals),
            job_timeout=size_timeout(settings, size),
            result_ttl=settings.SS_JOB_RESULT_TTL, failure_ttl=settings.SS_JOB_FAILURE_TTL,
            meta={"operation": operation, "package": package}, depends_on=depends_on,
            description=f"{operation} {package or ''}".strip(),
        )
    except DuplicateJobError:
        logger.info("%s job %s already exists", operation, job_id)
        return fetch_job(connection, job_id)


def enqueue_store(connection: redis.Redis, settings: Settings, package: Package,
                  is_async: bool = True) -> Job:
    """Queue the store job of a PENDING package (id ``store-<uuid>-<attempt>``)."""
    return enqueue(connection, settings, "store", [package.uuid], package.job_id, package.size,
                   package.uuid, is_async)


def enqueue_fixity(connection: redis.Redis, settings: Settings, package: Package,
                   is_async: bool = True) -> Job:
    """Queue a fixity check of a stored package."""
    return enqueue(connection, settings, "fixity", [package.uuid],
                   new_job_id("fixity", package.uuid), package.size, package.uuid, is_async)
