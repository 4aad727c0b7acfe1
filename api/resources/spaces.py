"""`space/`: storage spaces."""

from __future__ import annotations

from flask_restful import Resource

from api import redis_store
from api.auth import require_admin
from api.pagination import filters, matches, paginate
from api.representations import space_json
from api.schemas import SpaceSchema, load
from sspkg import locations

SPACE_FILTERS = {"uuid", "access_protocol", "path"}


class SpaceList(Resource):
    """List spaces; admins create them."""

    def get(self):
        wanted = filters(SPACE_FILTERS)
        spaces = [s for s in locations.list_spaces(redis_store.catalogue())
                  if matches(s.to_record(), wanted)]
        return paginate(spaces, space_json, ["uuid", "path", "created"])

    def post(self):
        require_admin()
        body = load(SpaceSchema())
        roots = [r for r in str(redis_store.settings().SS_ALLOWED_SPACE_ROOTS).split(",") if r]
        space = locations.create_space(redis_store.catalogue(), body["path"], body["staging_path"],
                                       body["size"], queue=body["queue"], allowed_roots=roots)
        return space_json(space), 201


class SpaceDetail(Resource):
    """One space."""

    def get(self, space_uuid: str):
        return space_json(locations.get_space(redis_store.catalogue(), space_uuid))
