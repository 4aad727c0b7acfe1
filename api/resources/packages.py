"""`file/`: packages: list, detail, and storing (synchronous and asynchronous)."""

from __future__ import annotations

from flask_restful import Resource
from rq.job import JobStatus

from api import redis_store
from api.job_documents import accepted, job_error, respond_async_requested, wait_for
from api.pagination import filters, matches, paginate
from api.representations import location_paths, package_json
from api.resources.unsupported import Unsupported
from api.schemas import StoreSchema, load
from api.uris import async_uri, parse_location, parse_ref
from sspkg import packages
from sspkg.exceptions import BadRequest, Unavailable
from sspkg.submissions import request_store

PACKAGE_FILTERS = {"uuid", "current_location", "current_path", "origin_location", "origin_path",
                   "origin_pipeline", "package_type", "status", "description"}
PACKAGE_ORDERING = ["uuid", "stored_date", "size", "status", "package_type", "current_path",
                    "created"]


def store_request(body: dict) -> packages.StoreRequest:
    catalogue = redis_store.catalogue()
    pipeline = body["origin_pipeline"]
    return packages.StoreRequest(
        uuid=str(body["uuid"]), package_type=body["package_type"],
        origin_location=parse_location(catalogue, body["origin_location"], "origin_location"),
        origin_path=body["origin_path"],
        current_location=parse_location(catalogue, body["current_location"], "current_location"),
        current_path=body["current_path"] or "", size=body["size"],
        origin_pipeline=parse_ref(pipeline, "pipeline", "origin_pipeline") if pipeline else None,
        description=body["description"] or "",
        related_package_uuid=str(body["related_package_uuid"]) if body["related_package_uuid"] else None,
        aip_subtype=body["aip_subtype"], keep_origin=body["keep_origin"],
    )


def _submit():
    body = load(StoreSchema())
    return request_store(redis_store.catalogue(), redis_store.connection(), redis_store.settings(),
                         store_request(body), is_async=redis_store.queue_async())


def render_package(package):
    """A package as SS shows it."""
    return package_json(package, location_paths(redis_store.catalogue()))


class PackageList(Resource):
    """List packages (SS filters); `POST` stores one and answers when it is stored."""

    def get(self):
        catalogue = redis_store.catalogue()
        wanted = filters(PACKAGE_FILTERS)
        found = [p for p in packages.list_packages(catalogue) if matches(p.to_record(), wanted)]
        paths = location_paths(catalogue)
        return paginate(found, lambda p: package_json(p, paths), PACKAGE_ORDERING)

    def post(self):
        submitted = _submit()
        if submitted.job is None:
            return render_package(submitted.package), 201
        if respond_async_requested():
            return accepted(submitted.job)
        status = wait_for(submitted.job, redis_store.settings().SS_SYNC_WAIT_SECONDS)
        package = packages.get_package(redis_store.catalogue(), submitted.package.uuid)
        if status == JobStatus.FINISHED:
            return render_package(package), 201
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            error = job_error(submitted.job) or {"message": package.error or "store failed"}
            if submitted.job.meta.get("error", {}).get("permanent"):
                raise BadRequest(f"Package not stored: {error['message']}")
            raise Unavailable(f"Package not stored: {error['message']}",
                              headers={"Location": async_uri(submitted.job.id)})
        return accepted(submitted.job)


class PackageAsyncStore(Resource):
    """`file/async/`: queue a store and answer 202 with the status document's URL."""

    def post(self):
        submitted = _submit()
        if submitted.job is None:
            return render_package(submitted.package), 200
        return accepted(submitted.job)


class PackageDetail(Resource):
    """One package."""

    def get(self, package_uuid: str):
        return render_package(packages.get_package(redis_store.catalogue(), package_uuid))

    put = Unsupported._refuse  # reingest
    unsupported_methods = ("put",)
