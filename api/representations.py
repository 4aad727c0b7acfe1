"""JSON shapes of catalogue records as the SS v2 API returns them."""

from __future__ import annotations

import os

from api.uris import uri
from sspkg import locations
from sspkg.catalogue import Catalogue
from sspkg.models import Location, Package, Pipeline, Space


def space_json(space: Space) -> dict:
    """A space as SS shows it."""
    return {
        "uuid": space.uuid, "access_protocol": space.access_protocol, "path": space.path,
        "staging_path": space.staging_path, "size": space.size, "used": space.used,
        "verified": space.verified, "last_verified": space.last_verified, "queue": space.queue,
        "resource_uri": uri("space", space.uuid),
    }


def location_json(location: Location, used: int | None = None) -> dict:
    """A location as SS shows it; `path` is the absolute path on disk."""
    return {
        "uuid": location.uuid, "description": location.description, "enabled": location.enabled,
        "path": location.path, "pipeline": [uri("pipeline", p) for p in location.pipelines],
        "purpose": location.purpose, "quota": location.quota,
        "relative_path": location.relative_path, "space": uri("space", location.space),
        "used": location.used if used is None else used,
        "replicators": [uri("location", r) for r in location.replicators],
        "resource_uri": uri("location", location.uuid),
    }


def pipeline_json(pipeline: Pipeline) -> dict:
    """A pipeline; its API key is a secret and never shown."""
    return {
        "uuid": pipeline.uuid, "description": pipeline.description,
        "remote_name": pipeline.remote_name, "api_username": pipeline.api_username,
        "enabled": pipeline.enabled, "resource_uri": uri("pipeline", pipeline.uuid),
    }


def package_json(package: Package, location_paths: dict[str, str]) -> dict:
    """A package as SS shows it; `location_paths` maps location uuid to its path."""
    location_path = location_paths.get(package.current_location, "")
    return {
        "uuid": package.uuid, "description": package.description,
        "origin_pipeline": uri("pipeline", package.origin_pipeline),
        "current_location": uri("location", package.current_location),
        "current_path": package.current_path,
        "current_full_path": os.path.join(location_path, package.current_path),
        "pointer_file_location": uri("location", package.pointer_file_location),
        "pointer_file_path": package.pointer_file_path,
        "size": package.size, "checksum": package.checksum,
        "checksum_algorithm": package.checksum_algorithm,
        "stored_date": package.stored_date,
        "replicated_package": uri("package", package.replicated_package),
        "replicas": [uri("package", r) for r in package.replicas],
        "package_type": package.package_type,
        "related_packages": [uri("package", r) for r in package.related_packages],
        "status": package.status, "misc_attributes": package.misc_attributes,
        "encrypted": package.encrypted,
        "resource_uri": uri("package", package.uuid),
    }


def location_paths(catalogue: Catalogue) -> dict[str, str]:
    """Path of every location by uuid (for `current_full_path`)."""
    return {loc.uuid: loc.path for loc in locations.list_locations(catalogue)}
