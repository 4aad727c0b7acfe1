"""`file/<uuid>/check_fixity/`: a fixity check run by a worker, awaited within a bound."""

from __future__ import annotations

from flask_restful import Resource
from rq.job import JobStatus

from api import redis_store
from api.job_documents import accepted, job_error, respond_async_requested, wait_for
from sspkg import fixity, packages, queues
from sspkg.exceptions import Unavailable


class CheckFixity(Resource):
    """Queue a check and answer its report (202 + `Location` if it outlasts the bound)."""

    def get(self, package_uuid: str):
        catalogue = redis_store.catalogue()
        package = packages.get_package(catalogue, package_uuid)
        skipped = fixity.not_checkable(package)
        if skipped:
            return skipped.to_json()
        job = queues.enqueue_fixity(redis_store.connection(), redis_store.settings(), package,
                                    is_async=redis_store.queue_async())
        if respond_async_requested():
            return accepted(job)
        status = wait_for(job, redis_store.settings().SS_SYNC_WAIT_SECONDS)
        if status == JobStatus.FINISHED:
            return job.return_value()
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            raise Unavailable(f"Fixity check could not run: {(job_error(job) or {}).get('message')}")
        return accepted(job)
