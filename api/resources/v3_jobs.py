"""`/api/v3/jobs`: the job resource, listing and cancel."""

from __future__ import annotations

from flask import request
from flask_restful import Resource
from rq.job import JobStatus

from api import redis_store
from api.job_documents import job_document
from api.pagination import non_negative
from sspkg import job_control, job_index
from sspkg.exceptions import BadRequest, NotFound
from sspkg.queues import OPERATIONS, fetch_job

STATUSES = [s.value for s in JobStatus if s.value != "created"]


def find_job(job_id: str):
    job = fetch_job(redis_store.connection(), job_id)
    if job is None:
        raise NotFound(f"No job {job_id} (unknown or expired)")
    return job


class JobList(Resource):
    """Jobs, newest first, filtered by `status`, `operation`, `package`; paginated."""

    def get(self):
        status, operation = request.args.get("status"), request.args.get("operation")
        if status and status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
        if operation and operation not in OPERATIONS:
            raise BadRequest(f"operation must be one of {', '.join(sorted(OPERATIONS))}")
        limit = min(non_negative("limit", 20) or 20, 200)
        offset = non_negative("offset", 0)
        jobs, more = job_index.find(redis_store.connection(), redis_store.settings().SS_REDIS_PREFIX,
                                    status, operation, request.args.get("package"), offset, limit)
        return {"meta": {"limit": limit, "offset": offset, "has_more": more},
                "objects": [job_document(job, refresh=False) for job in jobs]}


class JobDetail(Resource):
    """One job; `DELETE` cancels it (queued) or stops it (running); 409 once ended."""

    def get(self, job_id: str):
        return job_document(find_job(job_id), refresh=False)

    def delete(self, job_id: str):
        job = find_job(job_id)
        previous = job_control.cancel(redis_store.connection(), redis_store.catalogue(), job)
        document = job_document(job)
        document["canceled_from"] = previous.value
        return document, 202 if previous == JobStatus.STARTED else 200
