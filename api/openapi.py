"""The OpenAPI 3.1 document of /api/v2 and /api/v3, built from the route table and the
marshmallow schemas that validate requests (apispec's marshmallow plugin)."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import INCLUDE, Schema, fields

from api import schemas
from api.resources import (
    browse,
    fixity,
    location_files,
    locations,
    package_actions,
    package_files,
    packages,
    pipelines,
    spaces,
    unsupported,
    v3_admin,
    v3_catalogue,
    v3_jobs,
    v3_packages,
)
from api.resources.locations import LOCATION_FILTERS
from api.resources.packages import PACKAGE_FILTERS
from api.resources.pipelines import PIPELINE_FILTERS
from api.resources.spaces import SPACE_FILTERS
from sspkg.constants import Purpose

ERROR_CODES = (400, 401, 403, 404, 405, 409, 413, 422, 503)
UNSUPPORTED_CODES = (401, 501)


class ErrorSchema(Schema):
    """Every error: `{"error": true, "message": ...}`, with `fields` naming each invalid field."""

    class Meta:
        unknown = INCLUDE

    error = fields.Boolean(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", metadata={"description": "messages by invalid field"})


REQUEST_SCHEMAS: dict[tuple[type, str], type[Schema]] = {
    (spaces.SpaceList, "post"): schemas.SpaceSchema,
    (locations.LocationList, "post"): schemas.LocationSchema,
    (locations.LocationDetail, "post"): schemas.LocationFilesSchema,
    (location_files.LocationFilesAsync, "post"): schemas.LocationFilesSchema,
    (pipelines.PipelineList, "post"): schemas.PipelineSchema,
    (packages.PackageList, "post"): schemas.StoreSchema,
    (packages.PackageAsyncStore, "post"): schemas.StoreSchema,
    (package_actions.Move, "post"): schemas.MoveSchema,
    (package_actions.DeleteRequest, "post"): schemas.PackageRequestSchema,
    (package_actions.RecoverRequest, "post"): schemas.PackageRequestSchema,
    (package_actions.ReviewDeletion, "post"): schemas.ReviewSchema,
    (package_actions.ReviewRecovery, "post"): schemas.ReviewSchema,
    (v3_packages.Packages, "post"): schemas.V3StoreSchema,
    (v3_packages.PackageFixity, "post"): schemas.CallbackSchema,
    (v3_packages.PackageMove, "post"): schemas.V3MoveSchema,
    (v3_packages.PackageDeletion, "post"): schemas.PackageRequestSchema,
    (v3_packages.PackageRecovery, "post"): schemas.PackageRequestSchema,
    (v3_packages.PackageDownload, "post"): schemas.CallbackSchema,
    (v3_catalogue.LocationFiles, "post"): schemas.V3LocationFilesSchema,
    (v3_admin.Users, "post"): v3_admin.UserSchema,
}
"""The schema validating each request body."""

SUCCESS: dict[tuple[type, str], tuple[int, ...]] = {
    (packages.PackageList, "post"): (201, 202),
    (packages.PackageAsyncStore, "post"): (200, 202),
    (locations.DefaultLocation, "get"): (302,),
    (locations.LocationDetail, "post"): (200, 202),
    (fixity.CheckFixity, "get"): (200, 202),
    (package_files.Download, "get"): (200, 202, 206),
    (package_files.ExtractFile, "get"): (200, 206),
    (v3_packages.Download, "get"): (200, 206),
    (package_actions.DeleteRequest, "post"): (200, 202),
    (package_actions.RecoverRequest, "post"): (200, 202),
    (package_actions.ReviewDeletion, "post"): (200, 202),
    (package_actions.ReviewRecovery, "post"): (200, 202),
    (v3_packages.PackageDeletion, "post"): (200, 202),
    (v3_packages.PackageRecovery, "post"): (200, 202),
    (v3_packages.Packages, "post"): (200, 202),
    (v3_jobs.JobDetail, "delete"): (200, 202),
    (v3_admin.Users, "post"): (201,),
    (spaces.SpaceList, "post"): (201,),
    (locations.LocationList, "post"): (201,),
    (pipelines.PipelineList, "post"): (201,),
}
"""Success codes where they are not the method's usual one."""

DEFAULT_SUCCESS = {"get": (200,), "post": (202,), "put": (200,), "delete": (200,), "patch": (200,)}

BINARY = {(package_files.Download, "get"), (package_files.ExtractFile, "get"), (v3_packages.Download, "get")}

PAGE = [("limit", "integer", "page size (default 20, at most 1000; 0: the most)"),
        ("offset", "integer", "index of the first object"), ("order_by", "string", "field, `-` for descending")]
QUERY: dict[tuple[type, str], list[tuple[str, str, str]]] = {
    (spaces.SpaceList, "get"): PAGE + [(f, "string", "filter") for f in sorted(SPACE_FILTERS)],
    (locations.LocationList, "get"): PAGE + [(f, "string", "filter") for f in sorted(LOCATION_FILTERS)],
    (pipelines.PipelineList, "get"): PAGE + [(f, "string", "filter") for f in sorted(PIPELINE_FILTERS)],
    (packages.PackageList, "get"): PAGE + [(f, "string", "filter") for f in sorted(PACKAGE_FILTERS)],
    (v3_packages.Packages, "get"): PAGE + [(f, "string", "filter") for f in sorted(PACKAGE_FILTERS)],
    (v3_catalogue.Locations, "get"): PAGE + [(f, "string", "filter") for f in sorted(LOCATION_FILTERS)],
    (v3_catalogue.Spaces, "get"): PAGE + [(f, "string", "filter") for f in sorted(SPACE_FILTERS)],
    (package_files.ExtractFile, "get"): [("relative_path_to_file", "string", "a file of the package")],
    (browse.LocationBrowse, "get"): [("path", "string", "base64 of a directory of the location")],
    (browse.SpaceBrowse, "get"): [("path", "string", "base64 of a directory of the space")],
    (v3_jobs.JobList, "get"): [("status", "string", "RQ job status"), ("operation", "string", "operation"),
                               ("package", "string", "package uuid"), ("limit", "integer", "page size"),
                               ("offset", "integer", "index of the first job")],
}
"""Query parameters of each operation."""

_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def openapi_path(prefix: str, rule: str) -> str:
    """A Flask rule as an OpenAPI path: `<string:x>` becomes `{x}`."""
    return prefix + _PATH_PARAM.sub(r"{\1}", rule)


def _summary(resource: type, method: str) -> str:
    doc = (getattr(resource, method).__doc__ or resource.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else f"{method.upper()} {resource.__name__}"


def _operation(spec: APISpec, resource: type, method: str, path: str) -> dict[str, Any]:
    key = (resource, method)
    operation: dict[str, Any] = {"summary": _summary(resource, method),
                                 "operationId": f"{method}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
                                 "tags": [path.split("/")[2]], "parameters": [], "responses": {}}
    for name in _PATH_PARAM.findall(path.replace("{", "<").replace("}", ">")):
        operation["parameters"].append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    for name, kind, description in QUERY.get(key, []):
        operation["parameters"].append({"name": name, "in": "query", "required": False,
                                        "description": description, "schema": {"type": kind}})
    if key in REQUEST_SCHEMAS:
        schema = REQUEST_SCHEMAS[key]
        content = {"schema": schema.__name__}
        operation["requestBody"] = {"required": True, "content": {
            "application/json": content, "application/x-www-form-urlencoded": content}}
    body = ({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
            if key in BINARY else {"application/json": {"schema": {"type": "object"}}})
    success = () if issubclass(resource, unsupported.Unsupported) or method in getattr(
        resource, "unsupported_methods", ()) else SUCCESS.get(key, DEFAULT_SUCCESS[method])
    for code in success:
        operation["responses"][str(code)] = {"description": "success",
                                             **({} if code in (202, 302) else {"content": body})}
    for code in UNSUPPORTED_CODES if not success else ERROR_CODES:
        operation["responses"][str(code)] = {"description": "error",
                                             "content": {"application/json": {"schema": "ErrorSchema"}}}
    return operation


def build(routes: dict[str, list[tuple[type, str]]]) -> dict:
    """The OpenAPI document of the given routes by prefix (`/api/v2`: [(resource, rule)])."""
    spec = APISpec(title="sspkg storage service", version="3", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Archival storage with asynchronous processing. `/api/v2` is "
                                        "compatible with the Archivematica Storage Service; `/api/v3` "
                                        "runs every disk operation as a job."})
    spec.components.security_scheme("ApiKey", {"type": "apiKey", "in": "header", "name": "Authorization",
                                               "description": "`ApiKey <user>:<key>`"})
    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    for schema in {s for s in REQUEST_SCHEMAS.values()}:
        spec.components.schema(schema.__name__, schema=schema)
    for prefix, table in routes.items():
        for resource, rule in table:
            path = openapi_path(prefix, rule.rstrip("/") + ("/" if prefix.endswith("v2") else ""))
            methods = sorted(m.lower() for m in resource.methods if m not in ("HEAD", "OPTIONS"))
            spec.path(path=path, operations={m: _operation(spec, resource, m, path) for m in methods})
    document = spec.to_dict()
    document["security"] = [{"ApiKey": []}]
    document["components"]["schemas"]["Purpose"] = {"type": "string", "enum": [p.value for p in Purpose]}
    return document

