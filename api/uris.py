"""Resource URIs as SS writes them (`/api/v2/location/<uuid>/`) and their parsing."""

from __future__ import annotations

import re
import uuid as uuid_module

from sspkg import locations
from sspkg.catalogue import Catalogue
from sspkg.exceptions import BadRequest, NotFound

V2 = "/api/v2"
V3 = "/api/v3"
_URI = re.compile(r"^(?:[a-z]+://[^/]+)?/api/v2/(?P<kind>[a-z_]+)/(?P<id>[^/]+)/?$")
_DEFAULT = re.compile(r"^(?:[a-z]+://[^/]+)?/api/v2/location/default/(?P<purpose>[A-Z]{2})/?$")

KIND_PATHS = {"space": "space", "location": "location", "pipeline": "pipeline", "package": "file"}


def uri(kind: str, record_id: str | None) -> str | None:
    """The URI of a record, or None for None."""
    if record_id is None:
        return None
    return f"{V2}/{KIND_PATHS[kind]}/{record_id}/"


def async_uri(job_id: str) -> str:
    """The v2 async status document of a job."""
    return f"{V2}/async/{job_id}/"


def job_uri(job_id: str) -> str:
    """The v3 job resource."""
    return f"{V3}/jobs/{job_id}"


def v3_package_uri(package_uuid: str) -> str:
    """The v3 package resource."""
    return f"{V3}/packages/{package_uuid}"


def _as_uuid(value: str, field: str) -> str:
    try:
        return str(uuid_module.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise BadRequest(f"{field}: {value!r} is neither a URI nor a uuid") from None


def parse_ref(value: str, kind: str, field: str) -> str:
    """The uuid a field refers to: a URI of `kind`, a full URL of one, or a bare uuid."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{field}: missing")
    match = _URI.match(value)
    if match:
        if match.group("kind") != KIND_PATHS[kind]:
            raise BadRequest(f"{field}: {value!r} is not a {kind} URI")
        return _as_uuid(match.group("id"), field)
    return _as_uuid(value, field)


def parse_location(catalogue: Catalogue, value: str, field: str) -> str:
    """A location uuid from a URI, a uuid, or `/api/v2/location/default/<purpose>/`."""
    match = _DEFAULT.match(value or "")
    if match:
        try:
            return locations.default_location(catalogue, match.group("purpose")).uuid
        except NotFound as error:
            raise BadRequest(f"{field}: {error.message}") from None
    return parse_ref(value, "location", field)


def filter_value(value: str) -> str:
    """A filter value with any URI reduced to its id (clients filter by either)."""
    match = _URI.match(value)
    return match.group("id") if match else value
