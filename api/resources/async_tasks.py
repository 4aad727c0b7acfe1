"""`async/<id>/`: the status document of a queued operation."""

from __future__ import annotations

from flask_restful import Resource

from api import redis_store
from api.job_documents import async_document
from sspkg.exceptions import NotFound
from sspkg.queues import fetch_job


class AsyncTask(Resource):
    """Status of one job; 404 once it has expired."""

    def get(self, job_id: str):
        job = fetch_job(redis_store.connection(), job_id)
        if job is None:
            raise NotFound(f"No asynchronous task {job_id} (unknown or expired)")
        return async_document(job, refresh=False)
