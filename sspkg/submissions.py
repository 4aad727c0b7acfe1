"""Submitting work: record the request in the catalogue, then queue its job."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from rq.job import Job

from config import Settings
from sspkg import locations, packages, queues, replication
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.models import Package


@dataclass
class Submitted:
    """A package and the job that stores (or stored) it; `job` is None when none is needed."""

    package: Package
    job: Job | None


def request_store(catalogue: Catalogue, connection: redis.Redis, settings: Settings,
                  request: packages.StoreRequest, is_async: bool = True,
                  callback_url: str | None = None) -> Submitted:
    """Validate and record a store request and queue its job (once per request).

    Repeating a request for a package that is being stored returns its job;
    for one already stored, the package and its finished job (if still kept).
    """
    package = packages.build_package(catalogue, request)
    submission = packages.submit_store(catalogue, package)
    package = submission.package
    if package.status == PackageStatus.UPLOADED.value:
        return Submitted(package, queues.fetch_job(connection, package.job_id))
    job = queues.fetch_job(connection, package.job_id) if not submission.needs_job else None
    if job is None:
        job = queues.enqueue_store(connection, settings, package, is_async=is_async,
                                   callback_url=callback_url)
    return Submitted(packages.get_package(catalogue, package.uuid), job)


def queue_replicas(catalogue: Catalogue, connection: redis.Redis, settings: Settings,
                   package: Package) -> list[Job]:
    """One replicate job per replicator of the package's location (unique per replica).

    The store job calls this once the package is UPLOADED, and again if it runs
    twice, so a crash between storing and queueing cannot lose a replica.
    """
    destination = locations.get_location(catalogue, package.current_location)
    return [queues.enqueue(connection, settings, "replicate", [package.uuid, replicator],
                           f"replicate-{replication.replica_uuid(package.uuid, replicator)}",
                           size=package.size, package=package.uuid, location=replicator)
            for replicator in destination.replicators]
