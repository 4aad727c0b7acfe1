"""Spaces and locations: creating them, finding them, and the default per purpose."""

from __future__ import annotations

import os
import uuid as uuid_module

from sspkg.catalogue import Catalogue
from sspkg.constants import Purpose
from sspkg.exceptions import BadRequest, NotFound
from sspkg.models import Location, Space
from sspkg.paths import check_relative, is_within

USED_KEY = "location_used"


def create_space(catalogue: Catalogue, path: str, staging_path: str = "",
                 size: int | None = None, space_uuid: str | None = None,
                 queue: str | None = None, allowed_roots: list[str] | None = None) -> Space:
    """Create a local-filesystem space rooted at an absolute `path` (made if missing),
    under one of `allowed_roots` when any are given."""
    if not os.path.isabs(path) or "\x00" in path:
        raise BadRequest("space path must be an absolute path")
    if allowed_roots and not any(is_within(root, path) for root in allowed_roots):
        raise BadRequest(f"space path must lie under one of {', '.join(allowed_roots)}")
    os.makedirs(path, exist_ok=True)
    space = Space(uuid=space_uuid or str(uuid_module.uuid4()), path=os.path.realpath(path),
                  staging_path=staging_path or os.path.join(os.path.realpath(path), ".staging"),
                  size=size, queue=queue or None)
    catalogue.create(Space.kind, space.uuid, space.to_record())
    return space


def get_space(catalogue: Catalogue, space_uuid: str) -> Space:
    """The space; NotFound otherwise."""
    return Space.from_record(catalogue.require(Space.kind, space_uuid))


def create_location(catalogue: Catalogue, space: Space, purpose: Purpose | str,
                    relative_path: str, description: str = "", default: bool = False,
                    pipelines: list[str] | None = None, quota: int | None = None,
                    location_uuid: str | None = None,
                    replicators: list[str] | None = None) -> Location:
    """Create a location (its directory too) inside a space."""
    purpose = Purpose(purpose)
    relative_path = check_relative(relative_path, "relative_path")
    full_path = os.path.join(space.path, relative_path)
    os.makedirs(full_path, exist_ok=True)
    location = Location(uuid=location_uuid or str(uuid_module.uuid4()), space=space.uuid,
                        purpose=purpose.value, relative_path=relative_path, path=full_path,
                        description=description, pipelines=list(pipelines or []), quota=quota,
                        replicators=list(replicators or []))
    catalogue.create(Location.kind, location.uuid, location.to_record())
    if default:
        catalogue.set_default(purpose.value, location.uuid)
    return location


def get_location(catalogue: Catalogue, location_uuid: str, what: str = "location") -> Location:
    """The location; NotFound naming `what` otherwise."""
    return Location.from_record(catalogue.require(Location.kind, location_uuid, what))


def default_location(catalogue: Catalogue, purpose: str) -> Location:
    """The default location of a purpose; NotFound when none is set."""
    try:
        purpose = Purpose(purpose).value
    except ValueError:
        raise NotFound(f"unknown location purpose {purpose!r}") from None
    location_uuid = catalogue.default(purpose)
    if not location_uuid:
        raise NotFound(f"no default location for purpose {purpose}")
    return get_location(catalogue, location_uuid)


def list_locations(catalogue: Catalogue) -> list[Location]:
    """Every location, oldest first."""
    return [Location.from_record(r) for r in catalogue.all(Location.kind)]


def list_spaces(catalogue: Catalogue) -> list[Space]:
    """Every space, oldest first."""
    return [Space.from_record(r) for r in catalogue.all(Space.kind)]


def add_pipeline(catalogue: Catalogue, location_uuid: str, pipeline_uuid: str) -> None:
    """Share a location with a pipeline."""
    def link(record: dict) -> dict:
        pipelines = record.get("pipelines", [])
        return {"pipelines": pipelines + [pipeline_uuid] if pipeline_uuid not in pipelines else pipelines}
    catalogue.update(Location.kind, location_uuid, link)


def used_bytes(catalogue: Catalogue, location_uuids: list[str]) -> dict[str, int]:
    """Bytes of stored packages per location."""
    if not location_uuids:
        return {}
    values = catalogue.connection.hmget(f"{catalogue.prefix}:{USED_KEY}", location_uuids)
    return {u: int(v or 0) for u, v in zip(location_uuids, values, strict=True)}


def count_used(pipe, catalogue: Catalogue, location_uuid: str, delta: int) -> None:
    """Add `delta` bytes to a location's usage inside a catalogue transaction."""
    pipe.hincrby(f"{catalogue.prefix}:{USED_KEY}", location_uuid, delta)
