"""`location/<uuid>/browse/` and `space/<uuid>/browse/`: directory listings."""

from __future__ import annotations

from flask import request
from flask_restful import Resource

from api import redis_store
from api.auth import require_admin
from sspkg import browsing, locations


class LocationBrowse(Resource):
    """A directory of a location (`?path=` base64, absolute inside the location or relative)."""

    def get(self, location_uuid: str):
        location = locations.get_location(redis_store.catalogue(), location_uuid)
        return browsing.browse(location.path, request.args.get("path"))


class SpaceBrowse(Resource):
    """A directory of a whole space (admins only: it spans every location)."""

    def get(self, space_uuid: str):
        require_admin()
        space = locations.get_space(redis_store.catalogue(), space_uuid)
        return browsing.browse(space.path, request.args.get("path"))
