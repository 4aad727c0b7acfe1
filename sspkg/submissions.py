"""Submitting work: record the request in the catalogue, then queue its job."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from rq.job import Job

from config import Settings
from sspkg import packages, queues
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.models import Package


@dataclass
class Submitted:
    """A package and the job that stores (or stored) it; `job` is None when none is needed."""

    package: Package
    job: Job | None


def request_store(catalogue: Catalogue, connection: redis.Redis, settings: Settings,
                  request: packages.StoreRequest, is_async: bool = True) -> Submitted:
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
        job = queues.enqueue_store(connection, settings, package, is_async=is_async)
    return Submitted(packages.get_package(catalogue, package.uuid), job)
