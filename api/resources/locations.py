"""`location/`: locations, their default per purpose."""

from __future__ import annotations

from flask import redirect
from flask_restful import Resource

from api import redis_store
from api.auth import require_admin
from api.pagination import filters, matches, paginate
from api.representations import location_json
from api.resources.location_files import LocationFiles
from api.schemas import LocationSchema, load
from api.uris import parse_ref, uri
from sspkg import locations, pipelines, replication
from sspkg.exceptions import BadRequest, NotFound

LOCATION_FILTERS = {"uuid": "uuid", "purpose": "purpose", "relative_path": "relative_path",
                    "space": "space", "pipeline__uuid": "pipelines", "pipeline": "pipelines",
                    "enabled": "enabled", "description": "description"}


def _render(catalogue, items):
    used = locations.used_bytes(catalogue, [loc.uuid for loc in items])
    return lambda loc: location_json(loc, used.get(loc.uuid))


class LocationList(Resource):
    """List locations (SS filters, e.g. `pipeline__uuid`, `purpose`); admins create them."""

    def get(self):
        catalogue = redis_store.catalogue()
        wanted = {LOCATION_FILTERS[k]: v for k, v in filters(LOCATION_FILTERS).items()}
        found = [loc for loc in locations.list_locations(catalogue)
                 if matches(loc.to_record(), wanted)]
        return paginate(found, _render(catalogue, found), ["uuid", "purpose", "relative_path",
                                                           "description", "created"])

    def post(self):
        require_admin()
        catalogue = redis_store.catalogue()
        body = load(LocationSchema())
        try:
            space = locations.get_space(catalogue, parse_ref(body["space"], "space", "space"))
            pipeline_uuids = [pipelines.get_pipeline(catalogue, parse_ref(p, "pipeline", "pipeline")).uuid
                              for p in body["pipeline"]]
            replicators = [parse_ref(r, "location", "replicators") for r in body["replicators"]]
            replication.check_replicators(catalogue, replicators)
        except NotFound as error:
            raise BadRequest(error.message) from None
        location = locations.create_location(
            catalogue, space, body["purpose"], body["relative_path"], body["description"],
            default=body["default"], pipelines=pipeline_uuids, quota=body["quota"],
            replicators=replicators)
        return location_json(location), 201


class LocationDetail(Resource):
    """One location; `POST` copies files into it (SS location file move, synchronous)."""

    post = LocationFiles.post

    def get(self, location_uuid: str):
        catalogue = redis_store.catalogue()
        location = locations.get_location(catalogue, location_uuid)
        return location_json(location, locations.used_bytes(catalogue, [location.uuid])[location.uuid])


class DefaultLocation(Resource):
    """`location/default/<purpose>/`: a redirect to the default location of a purpose."""

    def get(self, purpose: str):
        location = locations.default_location(redis_store.catalogue(), purpose)
        return redirect(uri("location", location.uuid), code=302)
