"""`file/<uuid>/download/`, `extract_file/`, `contents/`: reading stored packages."""

from __future__ import annotations

import os

from flask import request
from flask_restful import Resource

from api import redis_store
from api.downloads import file_response, stream_response, tar_response
from api.job_documents import accepted, respond_async_requested
from api.resources.unsupported import Unsupported
from sspkg import package_files, packages, queues
from sspkg.constants import PackageType
from sspkg.exceptions import BadRequest, MethodNotAllowed

EXTRACTABLE_TYPES = frozenset({PackageType.AIP.value, PackageType.AIC.value})


def _stored(package_uuid: str) -> package_files.StoredPackage:
    catalogue = redis_store.catalogue()
    return package_files.locate(catalogue, packages.get_package(catalogue, package_uuid))


class Download(Resource):
    """The whole package: a file as is (Range supported), a directory as a streamed tar."""

    def get(self, package_uuid: str):
        stored = _stored(package_uuid)
        if respond_async_requested():
            job_id = queues.new_job_id("download", package_uuid)
            return accepted(queues.enqueue(redis_store.connection(), redis_store.settings(), "download",
                                           [package_uuid, job_id], job_id, stored.package.size,
                                           package_uuid, redis_store.queue_async(),
                                           location=stored.package.current_location))
        if stored.is_directory:
            return tar_response(stored.path, stored.name)
        return file_response(stored.path, stored.name)


class ExtractFile(Resource):
    """One file of an AIP, named by `relative_path_to_file`."""

    def get(self, package_uuid: str):
        relative = request.args.get("relative_path_to_file")
        if not relative:
            raise BadRequest("relative_path_to_file is required")
        package = packages.get_package(redis_store.catalogue(), package_uuid)
        if package.package_type not in EXTRACTABLE_TYPES:
            raise MethodNotAllowed(f"files cannot be extracted from a {package.package_type} package")
        stored = _stored(package_uuid)
        if package_files.is_tar(stored):
            member, handle = package_files.tar_member(stored, relative)
            return stream_response(handle, member.size, os.path.basename(member.name))
        path = package_files.member_path(stored, relative)
        return file_response(path, os.path.basename(path))


class Contents(Resource):
    """The files of a package (SS `contents/`)."""

    def get(self, package_uuid: str):
        stored = _stored(package_uuid)
        return {"success": True, "package": package_uuid, "files": package_files.list_files(stored)}

    put = delete = Unsupported._refuse
    unsupported_methods = ("put", "delete")
