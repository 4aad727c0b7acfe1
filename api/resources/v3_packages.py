"""`/api/v3/packages`: every operation on packages as a job (202 + job document)."""

from __future__ import annotations

from flask import request
from flask_restful import Resource

from api import redis_store
from api.downloads import file_response
from api.resources.package_actions import DeleteRequest, RecoverRequest
from api.resources.packages import PackageList, render_package, store_request
from api.schemas import CallbackSchema, V3MoveSchema, V3StoreSchema, load_v3
from api.v3_common import body, callback_url, job_id_for, job_response, submit
from sspkg import download_cache, fixity, moving, packages
from sspkg.exceptions import BadRequest
from sspkg.submissions import request_store


class Packages(Resource):
    """List packages; `POST` stores one as a job."""

    get = PackageList.get

    def post(self):
        data = load_v3(V3StoreSchema(), body())
        request_ = store_request(data)
        if request.headers.get("Idempotency-Key") is not None:
            job_id_for("store", request_.uuid)  # refuses a key reused with another body
        submitted = request_store(redis_store.catalogue(), redis_store.connection(), redis_store.settings(),
                                  request_, is_async=redis_store.queue_async(),
                                  callback_url=callback_url())
        if submitted.job is None:
            return {"package": render_package(submitted.package), "job": None}, 200
        return job_response(submitted.job)


class Package(Resource):
    """One package."""

    def get(self, package_uuid: str):
        return render_package(packages.get_package(redis_store.catalogue(), package_uuid))


class PackageFixity(Resource):
    """`GET`: the fixity history, newest first; `POST`: check now (a job)."""

    def get(self, package_uuid: str):
        catalogue = redis_store.catalogue()
        packages.get_package(catalogue, package_uuid)
        return {"package": package_uuid, "checks": fixity.history(catalogue, package_uuid)}

    def post(self, package_uuid: str):
        load_v3(CallbackSchema(), body())
        package = packages.get_package(redis_store.catalogue(), package_uuid)
        skipped = fixity.not_checkable(package)
        if skipped:
            raise BadRequest(skipped.message)
        return job_response(submit("fixity", [package_uuid], package_uuid, package.size, package_uuid,
                                   location=package.current_location))


class PackageMove(Resource):
    """Move to another location of the same purpose (a job)."""

    def post(self, package_uuid: str):
        data = load_v3(V3MoveSchema(), body())
        package = moving.request_move(redis_store.catalogue(), package_uuid, str(data["location_uuid"]))
        job = submit("move", [package_uuid], package_uuid, package.size, package_uuid,
                     job_id=package.misc_attributes["move"]["job"], location=package.misc_attributes["move"]["to"])
        return job_response(job)


class PackageDeletion(DeleteRequest):
    """Ask for deletion (as v2 `delete_aip/`); an admin approves with v2 `review_aip_deletion/`."""


class PackageRecovery(RecoverRequest):
    """Ask for recovery (as v2 `recover_aip/`); an admin approves with v2 `review_aip_recovery/`."""


class PackageDownload(Resource):
    """Prepare a download (a job): its result's `url` serves the artefact with `Range`."""

    def post(self, package_uuid: str):
        load_v3(CallbackSchema(), body())
        package = packages.get_package(redis_store.catalogue(), package_uuid)
        job_id = job_id_for("download", package_uuid)
        return job_response(submit("download", [package_uuid, job_id], package_uuid, package.size,
                                   package_uuid, job_id=job_id, location=package.current_location))


class Download(Resource):
    """A prepared download (404 once expired)."""

    def get(self, token: str):
        artefact = download_cache.get(redis_store.catalogue(), token)
        return file_response(artefact.path, artefact.name)


