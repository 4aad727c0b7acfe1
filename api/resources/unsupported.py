"""SS endpoints that existing clients call and this service does not implement yet: 501 JSON.

A 501 tells a client plainly "not here", where a 404 or 405 would be misread
as a missing package or a wrong method. The README lists each.
"""

from __future__ import annotations

from flask import request
from flask_restful import Resource

from api import redis_store
from sspkg import packages
from sspkg.exceptions import NotSupported


class Unsupported(Resource):
    """Every method answers 501 naming the endpoint."""

    def _refuse(self, **_):
        raise NotSupported(f"{request.method} {request.path} is not supported by this storage "
                           "service yet (see README, 'Not supported yet')")

    get = post = put = delete = patch = _refuse


class PostStoreCallback(Resource):
    """`send_callback/post_store/`: run post-store callbacks; none are configured in v2."""

    def get(self, package_uuid: str):
        packages.get_package(redis_store.catalogue(), package_uuid)
        return {"success": True, "message": "No post-store callbacks are configured"}
