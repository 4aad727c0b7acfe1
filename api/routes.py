"""Every route of the API, in one place."""

from __future__ import annotations

from flask import Blueprint, Flask

from api import dashboard, docs, metrics
from api.auth import authenticate_request
from api.errors import JsonErrorApi
from api.resources.async_tasks import AsyncTask
from api.resources.browse import LocationBrowse, SpaceBrowse
from api.resources.fixity import CheckFixity
from api.resources.location_files import LocationFilesAsync
from api.resources.locations import DefaultLocation, LocationDetail, LocationList
from api.resources.package_actions import (
    DeleteRequest,
    Move,
    PackageEvents,
    RecoverRequest,
    ReviewDeletion,
    ReviewRecovery,
)
from api.resources.package_files import Contents, Download, ExtractFile
from api.resources.packages import PackageAsyncStore, PackageDetail, PackageList
from api.resources.pipelines import PipelineDetail, PipelineList
from api.resources.spaces import SpaceDetail, SpaceList
from api.resources.unsupported import PostStoreCallback, Unsupported
from api.resources.v3_admin import FailedRequeue, JobRequeue, Status, Users
from api.resources.v3_catalogue import Location, Locations, Space, Spaces
from api.resources.v3_catalogue import LocationFiles as V3LocationFiles
from api.resources.v3_jobs import JobDetail, JobList
from api.resources.v3_packages import Download as PreparedDownload
from api.resources.v3_packages import (
    Package,
    PackageDeletion,
    PackageDownload,
    PackageFixity,
    PackageMove,
    PackageRecovery,
    Packages,
)

V2_ROUTES = [
    (SpaceList, "/space/"),
    (SpaceDetail, "/space/<string:space_uuid>/"),
    (SpaceBrowse, "/space/<string:space_uuid>/browse/"),
    (LocationList, "/location/"),
    (DefaultLocation, "/location/default/<string:purpose>/"),
    (LocationDetail, "/location/<string:location_uuid>/"),
    (LocationFilesAsync, "/location/<string:location_uuid>/async/"),
    (LocationBrowse, "/location/<string:location_uuid>/browse/"),
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
    (PostStoreCallback, "/file/<string:package_uuid>/send_callback/post_store/"),
    (AsyncTask, "/async/<string:job_id>/"),
]
"""(resource, path under /api/v2) for every v2 route."""

UNSUPPORTED_V2 = [
    "/file/metadata/",
    "/file/<string:package_uuid>/pointer_file/",
    "/file/<string:package_uuid>/reindex/",
    "/file/<string:package_uuid>/reingest/",
]
"""SS endpoints answered 501 (and `PUT file/<uuid>/`, `PUT`/`DELETE file/<uuid>/contents/`)."""


V3_ROUTES = [
    (JobList, "/jobs"),
    (FailedRequeue, "/jobs/requeue-failed"),
    (JobRequeue, "/jobs/<string:job_id>/requeue"),
    (Users, "/users"),
    (Status, "/status"),
    (JobDetail, "/jobs/<string:job_id>"),
    (Packages, "/packages"),
    (Package, "/packages/<string:package_uuid>"),
    (PackageFixity, "/packages/<string:package_uuid>/fixity"),
    (PackageMove, "/packages/<string:package_uuid>/move"),
    (PackageDeletion, "/packages/<string:package_uuid>/deletion"),
    (PackageRecovery, "/packages/<string:package_uuid>/recovery"),
    (PackageDownload, "/packages/<string:package_uuid>/download"),
    (PreparedDownload, "/downloads/<string:token>"),
    (Locations, "/locations"),
    (Location, "/locations/<string:location_uuid>"),
    (V3LocationFiles, "/locations/<string:location_uuid>/files"),
    (Spaces, "/spaces"),
    (Space, "/spaces/<string:space_uuid>"),
]
"""(resource, path under /api/v3) for every v3 route."""


def documented_routes() -> dict[str, list]:
    """Every API route by prefix, as the OpenAPI document describes them."""
    return {"/api/v2": V2_ROUTES + [(Unsupported, path) for path in UNSUPPORTED_V2], "/api/v3": V3_ROUTES}


def _blueprint(name: str, prefix: str, routes: list) -> tuple[Blueprint, JsonErrorApi]:
    blueprint = Blueprint(name, __name__, url_prefix=prefix)
    blueprint.before_request(authenticate_request)
    api = JsonErrorApi(blueprint)
    for resource, path in routes:
        api.add_resource(resource, path, endpoint=f"{name}_{resource.__name__}", strict_slashes=False)
    return blueprint, api


OPS_ROUTES = [
    ("/metrics", metrics.metrics),
    ("/healthz", metrics.healthz),
    ("/api/v3/openapi.json", docs.spec),
    ("/api/docs", docs.page),
    ("/api/docs/init.js", docs.init_script),
    ("/api/docs/static/<path:filename>", docs.static),
]
"""Operational routes outside the APIs (and rq-dashboard under /rq, see api.dashboard)."""


def init_app(app: Flask) -> None:
    """Register every blueprint (each authenticates every request) and the ops routes."""
    app.url_map.strict_slashes = False
    for path, view in OPS_ROUTES:
        app.add_url_rule(path, endpoint=f"{view.__module__}.{view.__name__}", view_func=view)
    # rq-dashboard's pages link `url_for("static")`: an endpoint of that name, authenticated, empty.
    app.add_url_rule("/static/<path:filename>", endpoint="static", view_func=metrics.no_static_files)
    dashboard.init_app(app)
    v2, v2_api = _blueprint("v2", "/api/v2", V2_ROUTES)
    v2_api.add_resource(Unsupported, *UNSUPPORTED_V2, endpoint="v2_unsupported", strict_slashes=False)
    app.register_blueprint(v2)
    app.register_blueprint(_blueprint("v3", "/api/v3", V3_ROUTES)[0])
