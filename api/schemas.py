"""Request schemas (marshmallow): every body is validated here before anything is written."""

from __future__ import annotations

import json

from flask import current_app, request
from marshmallow import EXCLUDE, Schema, fields, validate

from sspkg.constants import PackageType, Purpose
from sspkg.exceptions import BadRequest


class StoreSchema(Schema):
    """`POST file/`: what SS clients send to store a package."""

    class Meta:
        unknown = EXCLUDE

    uuid = fields.UUID(required=True)
    package_type = fields.String(required=True,
                                 validate=validate.OneOf([t.value for t in PackageType]))
    origin_location = fields.String(required=True, validate=validate.Length(min=1))
    origin_path = fields.String(required=True, validate=validate.Length(min=1))
    current_location = fields.String(required=True, validate=validate.Length(min=1))
    current_path = fields.String(load_default="")
    size = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0))
    origin_pipeline = fields.String(allow_none=True, load_default=None)
    related_package_uuid = fields.UUID(allow_none=True, load_default=None)
    description = fields.String(allow_none=True, load_default="")
    aip_subtype = fields.String(allow_none=True, load_default=None)
    events = fields.List(fields.Raw(), allow_none=True, load_default=list)
    agents = fields.List(fields.Raw(), allow_none=True, load_default=list)
    keep_origin = fields.Boolean(load_default=True)


class PipelineSchema(Schema):
    """`POST pipeline/`: a pipeline registering itself."""

    class Meta:
        unknown = EXCLUDE

    uuid = fields.UUID(required=True)
    description = fields.String(allow_none=True, load_default="")
    remote_name = fields.String(allow_none=True, load_default="")
    api_username = fields.String(allow_none=True, load_default="")
    api_key = fields.String(allow_none=True, load_default="", load_only=True)
    shared_path = fields.String(allow_none=True, load_default="")
    create_default_locations = fields.Boolean(load_default=False)


class SpaceSchema(Schema):
    """`POST space/`: a local filesystem space."""

    class Meta:
        unknown = EXCLUDE

    access_protocol = fields.String(load_default="FS", validate=validate.OneOf(["FS"]))
    path = fields.String(required=True, validate=validate.Length(min=1))
    staging_path = fields.String(load_default="")
    size = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0))
    queue = fields.String(allow_none=True, load_default=None,
                          validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$",
                                                   error="queue: 1-40 letters, digits, _ or -"))


class LocationSchema(Schema):
    """`POST location/`: a location in a space."""

    class Meta:
        unknown = EXCLUDE

    space = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf([p.value for p in Purpose]))
    relative_path = fields.String(required=True, validate=validate.Length(min=1))
    description = fields.String(allow_none=True, load_default="")
    quota = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(min=0))
    pipeline = fields.List(fields.String(), load_default=list)
    replicators = fields.List(fields.String(), load_default=list)
    default = fields.Boolean(load_default=False)


def request_body() -> dict:
    """The request's JSON object (or form fields); 400 for anything else."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.to_dict()
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not request.is_json:
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json)")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("The request body must be a JSON object; it is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    limit = int(current_app.config["SETTINGS"].SS_MAX_JSON_DEPTH)
    if _depth(body) > limit:
        raise BadRequest(f"The request body is nested deeper than {limit} levels")
    return body


def _depth(value, level: int = 1) -> int:
    """Nesting depth of a parsed JSON value (iteratively: no recursion limit to hit)."""
    deepest, stack = 0, [(value, level)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def load(schema: Schema) -> dict:
    """Validate the request body with `schema`; a 400 naming each bad field otherwise."""
    return schema.load(request_body())


class MoveSchema(Schema):
    """`POST file/<uuid>/move/`: the target location (form field, as SS takes it)."""

    class Meta:
        unknown = EXCLUDE

    location_uuid = fields.UUID(required=True)


class PackageRequestSchema(Schema):
    """`delete_aip/`, `recover_aip/`: who asks, and why."""

    class Meta:
        unknown = EXCLUDE

    event_reason = fields.String(required=True, validate=validate.Length(min=1))
    pipeline = fields.String(required=True, validate=validate.Length(min=1))
    user_id = fields.Raw(required=True)
    user_email = fields.String(required=True, validate=validate.Length(min=1))


class ReviewSchema(Schema):
    """`review_aip_deletion/`, `review_aip_recovery/`: an admin's decision."""

    class Meta:
        unknown = EXCLUDE

    event_id = fields.Integer(required=True, strict=False)
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(load_default="")


class FileEntrySchema(Schema):
    """One `{source, destination}` of a location file move."""

    class Meta:
        unknown = EXCLUDE

    source = fields.String(required=True, validate=validate.Length(min=1))
    destination = fields.String(required=True, validate=validate.Length(min=1))


class LocationFilesSchema(Schema):
    """`POST location/<uuid>/`: files to copy in from `origin_location`."""

    class Meta:
        unknown = EXCLUDE

    origin_location = fields.String(required=True)
    pipeline = fields.String(allow_none=True, load_default=None)
    files = fields.List(fields.Nested(FileEntrySchema), required=True,
                        validate=validate.Length(min=1, max=10000))


class CallbackSchema(Schema):
    """v3 operations: an optional URL told when the job ends."""

    class Meta:
        unknown = EXCLUDE

    callback_url = fields.String(allow_none=True, load_default=None,
                                 validate=validate.Length(max=2048))


class V3StoreSchema(StoreSchema, CallbackSchema):
    """`POST /api/v3/packages`."""


class V3MoveSchema(MoveSchema, CallbackSchema):
    """`POST /api/v3/packages/<uuid>/move`."""


class V3LocationFilesSchema(LocationFilesSchema, CallbackSchema):
    """`POST /api/v3/locations/<uuid>/files`."""


def load_v3(schema: Schema, body: dict) -> dict:
    """Validate an already-read body."""
    return schema.load(body)
