"""`/api/v3/locations`, `/api/v3/spaces`: reads as in v2; file moves into a location as a job."""

from __future__ import annotations

from flask_restful import Resource

from api import redis_store
from api.resources.locations import LocationDetail, LocationList
from api.resources.spaces import SpaceDetail, SpaceList
from api.schemas import V3LocationFilesSchema, load_v3
from api.uris import parse_location
from api.v3_common import body, job_response, submit
from sspkg import location_files


class Locations(Resource):
    """Every location (v2 filters)."""

    get = LocationList.get


class Location(Resource):
    """One location."""

    get = LocationDetail.get


class Spaces(Resource):
    """Every space."""

    get = SpaceList.get


class Space(Resource):
    """One space."""

    get = SpaceDetail.get


class LocationFiles(Resource):
    """Copy `files: [{source, destination}]` in from `origin_location` (a job)."""

    def post(self, location_uuid: str):
        data = load_v3(V3LocationFilesSchema(), body())
        catalogue = redis_store.catalogue()
        origin_uuid = parse_location(catalogue, data["origin_location"], "origin_location")
        files = [{"source": f["source"], "destination": f["destination"]} for f in data["files"]]
        location_files.plan(catalogue, location_uuid, origin_uuid, files)
        return job_response(submit("move_files", [location_uuid, origin_uuid, files], location_uuid,
                                   location=location_uuid))
