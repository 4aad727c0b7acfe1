"""`location/<uuid>/` (POST) and `location/<uuid>/async/`: copying files into a location."""

from __future__ import annotations

from flask_restful import Resource
from rq.job import JobStatus

from api import redis_store
from api.job_documents import accepted, job_error, respond_async_requested, wait_for
from api.schemas import LocationFilesSchema, load
from api.uris import parse_location
from sspkg import location_files, queues
from sspkg.exceptions import BadRequest, Unavailable


def _submit(location_uuid: str):
    body = load(LocationFilesSchema())
    catalogue = redis_store.catalogue()
    origin_uuid = parse_location(catalogue, body["origin_location"], "origin_location")
    files = [{"source": f["source"], "destination": f["destination"]} for f in body["files"]]
    location_files.plan(catalogue, location_uuid, origin_uuid, files)
    return queues.enqueue(redis_store.connection(), redis_store.settings(), "move_files",
                          [location_uuid, origin_uuid, files], queues.new_job_id("files", location_uuid),
                          is_async=redis_store.queue_async(), location=location_uuid)


class LocationFiles(Resource):
    """Copy files in and answer when done (bounded wait, then 202)."""

    def post(self, location_uuid: str):
        job = _submit(location_uuid)
        if respond_async_requested():
            return accepted(job)
        status = wait_for(job, redis_store.settings().SS_SYNC_WAIT_SECONDS)
        if status == JobStatus.FINISHED:
            return {"error": None, "message": "Files moved successfully"}
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            error = job_error(job) or {"message": "copy failed"}
            if job.meta.get("error", {}).get("permanent"):
                raise BadRequest(f"Files not moved: {error['message']}")
            raise Unavailable(f"Files not moved: {error['message']}")
        return accepted(job)


class LocationFilesAsync(Resource):
    """Copy files in, asynchronously: 202 and the status document's `Location`."""

    def post(self, location_uuid: str):
        return accepted(_submit(location_uuid))
