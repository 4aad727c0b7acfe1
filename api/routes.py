"""Every route of the API, in one place."""

from __future__ import annotations

from flask import Blueprint, Flask

from api.auth import authenticate_request
from api.errors import JsonErrorApi
from api.resources.async_tasks import AsyncTask
from api.resources.fixity import CheckFixity
from api.resources.locations import DefaultLocation, LocationDetail, LocationList
from api.resources.package_actions import (DeleteRequest, Move, PackageEvents, RecoverRequest,
                                           ReviewDeletion, ReviewRecovery)
from api.resources.package_files import Contents, Download, ExtractFile
from api.resources.packages import PackageAsyncStore, PackageDetail, PackageList
from api.resources.pipelines import PipelineDetail, PipelineList
from api.resources.spaces import SpaceDetail, SpaceList


V2_ROUTES = [
    (SpaceList, "/space/"),
    (SpaceDetail, "/space/<string:space_uuid>/"),
    (LocationList, "/location/"),
    (DefaultLocation, "/location/default/<string:purpose>/"),
    (LocationDetail, "/location/<string:location_uuid>/"),
    (PipelineList, "/pipeline/"),
    (PipelineDetail, "/pipeline/<string:pipeline_uuid>/"),
    (PackageList, "/file/"),
    (PackageAsyncStore, "/file/async/"),
    (PackageDetail, "/file/<string:package_uuid>/"),
    (Download, "/file/<string:package_uuid>/download/"),
    (ExtractFile, "/file/<string:package_uuid>/extract_file/"),
    (Contents, "/file/<string:package_uuid>/contents/"),
    (CheckFixity, "/file/<string:package_uuid>/check_fixity/"),
    (Move, "/file/<string:package_uuid>/move/"),
    (DeleteRequest, "/file/<string:package_uuid>/delete_aip/"),
    (RecoverRequest, "/file/<string:package_uuid>/recover_aip/"),
    (ReviewDeletion, "/file/<string:package_uuid>/review_aip_deletion/"),
    (ReviewRecovery, "/file/<string:package_uuid>/review_aip_recovery/"),
    (PackageEvents, "/file/<string:package_uuid>/events/"),
    (AsyncTask, "/async/<string:job_id>/"),
]
"""(resource, path under /api/v2) for every v2 route."""


def _v2_blueprint() -> Blueprint:
    blueprint = Blueprint("v2", __name__, url_prefix="/api/v2")
    blueprint.before_request(authenticate_request)
    api = JsonErrorApi(blueprint)
    for resource, path in V2_ROUTES:
        api.add_resource(resource, path, endpoint=f"v2_{resource.__name__}",
                         strict_slashes=False)
    return blueprint


def init_app(app: Flask) -> None:
    """Register every blueprint."""
    app.url_map.strict_slashes = False
    app.register_blueprint(_v2_blueprint())
