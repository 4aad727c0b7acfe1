"""RQ queues and job submission: JSON serializer, Retry, size-scaled timeouts, unique ids."""

from __future__ import annotations

import hashlib
import logging
import re
import uuid

import redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from config import Settings
from sspkg import job_index
from sspkg.catalogue import Catalogue
from sspkg.models import Package

logger = logging.getLogger(__name__)

STORE_QUEUE = "store"
FIXITY_QUEUE = "fixity"
AUDIT_QUEUE = "audit"
DEFAULT_QUEUE = "default"

OPERATIONS = {
    "store": ("jobs.store.store_package", STORE_QUEUE),
    "fixity": ("jobs.fixity.check_fixity", FIXITY_QUEUE),
    "audit": ("jobs.fixity.audit_package", AUDIT_QUEUE),
    "schedule_audits": ("jobs.fixity.schedule_audits", DEFAULT_QUEUE),
    "clean_downloads": ("jobs.downloads.clean_downloads", DEFAULT_QUEUE),
    "move": ("jobs.packages.move_package", STORE_QUEUE),
    "delete": ("jobs.packages.delete_package", DEFAULT_QUEUE),
    "replicate": ("jobs.packages.replicate_package", STORE_QUEUE),
    "recover": ("jobs.packages.recover_package", STORE_QUEUE),
    "move_files": ("jobs.location_files.move_files", DEFAULT_QUEUE),
    "download": ("jobs.downloads.prepare_download", DEFAULT_QUEUE),
    "callback": ("jobs.callbacks.deliver_callback", DEFAULT_QUEUE),
}
"""Every operation a job performs: its function and its queue."""


def get_queue(connection: redis.Redis, name: str, is_async: bool = True) -> Queue:
    """The named queue, with the JSON serializer every job uses."""
    return Queue(name, connection=connection, serializer=JSONSerializer, is_async=is_async)


JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def fetch_job(connection: redis.Redis, job_id: str) -> Job | None:
    """The job, or None once it has expired (or never was, or cannot be a job id)."""
    if not JOB_ID.match(job_id or ""):
        return None
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


def space_queue(connection: redis.Redis, settings: Settings, location_uuid: str) -> str | None:
    """The queue prefix named by the space of a location, if any."""
    catalogue = Catalogue(connection, settings.SS_REDIS_PREFIX)
    location = catalogue.get("location", location_uuid)
    space = catalogue.get("space", location["space"]) if location else None
    return space.get("queue") if space else None


def _callbacks(operation: str) -> dict:
    if operation == "callback":
        return {}
    return {"on_success": Callback("jobs.callbacks.on_success"),
            "on_failure": Callback("jobs.callbacks.on_failure"),
            "on_stopped": Callback("jobs.callbacks.on_stopped")}


def enqueue(connection: redis.Redis, settings: Settings, operation: str, args: list,
            job_id: str, size: int | None = None, package: str | None = None,
            is_async: bool = True, callback_url: str | None = None,
            location: str | None = None, retry: Retry | None = None) -> Job:
    """Queue `operation` with the service's policy; an existing job of that id is returned.

    Jobs are unique by id (``unique=True``), retried with backoff, given a
    timeout that grows with `size`, described in ``meta`` (operation, package,
    attempts, callback URL), indexed for listing, and wired to the callbacks
    that notify clients and undo stopped work. A job on a `location` whose space
    names a queue goes to ``<space queue>-<kind>`` (only workers on hosts that
    mount that space listen there).
    """
    function, kind = OPERATIONS[operation]
    route = space_queue(connection, settings, location) if location else None
    queue = get_queue(connection, f"{route}-{kind}" if route else kind, is_async=is_async)
    retry = retry or Retry(max=settings.SS_JOB_RETRIES, interval=settings.retry_intervals)
    try:
        job = queue.enqueue(
            function, *args, job_id=job_id, unique=True, retry=retry,
            job_timeout=size_timeout(settings, size),
            result_ttl=settings.SS_JOB_RESULT_TTL, failure_ttl=settings.SS_JOB_FAILURE_TTL,
            meta={"operation": operation, "package": package, "attempt": 0,
                  "max_attempts": retry.max + 1, "callback_url": callback_url},
            description=f"{operation} {package or ''}".strip(), **_callbacks(operation),
        )
    except DuplicateJobError:
        logger.info("%s job %s already exists", operation, job_id)
        return fetch_job(connection, job_id)
    job_index.add(connection, settings.SS_REDIS_PREFIX, job.id, package)
    return job


def enqueue_callback(connection: redis.Redis, settings: Settings, job_id: str, url: str,
                     status: str) -> Job:
    """Queue the delivery of a job's end to `url`, retried with backoff until a 2xx."""
    retry = Retry(max=settings.SS_CALLBACK_RETRIES,
                  interval=[int(x) for x in str(settings.SS_CALLBACK_RETRY_INTERVALS).split(",") if x])
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return enqueue(connection, settings, "callback", [job_id, url, status],
                   f"callback-{job_id}-{digest}", retry=retry)


def enqueue_store(connection: redis.Redis, settings: Settings, package: Package,
                  is_async: bool = True, callback_url: str | None = None) -> Job:
    """Queue the store job of a PENDING package (id ``store-<uuid>-<attempt>``)."""
    return enqueue(connection, settings, "store", [package.uuid], package.job_id, package.size,
                   package.uuid, is_async, callback_url=callback_url, location=package.current_location)


def enqueue_fixity(connection: redis.Redis, settings: Settings, package: Package,
                   is_async: bool = True) -> Job:
    """Queue a fixity check of a stored package."""
    return enqueue(connection, settings, "fixity", [package.uuid], new_job_id("fixity", package.uuid),
                   package.size, package.uuid, is_async, location=package.current_location)
