"""Packages: validating a store request and recording it; status changes of packages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sspkg import locations, pipelines
from sspkg.catalogue import Catalogue
from sspkg.constants import (
    IN_FLIGHT_STATUSES,
    STORE_DESTINATIONS,
    STORE_ORIGIN_PURPOSES,
    WORKED_ON_STATUSES,
    PackageStatus,
    PackageType,
    Purpose,
)
from sspkg.exceptions import BadRequest, Conflict, NotFound
from sspkg.models import Location, Package, utcnow
from sspkg.paths import resolve_within, safe_name, uuid_to_path


@dataclass
class StoreRequest:
    """What a client asks to store, with locations and pipeline as uuids."""

    uuid: str
    package_type: str
    origin_location: str
    origin_path: str
    current_location: str
    current_path: str = ""
    size: int | None = None
    origin_pipeline: str | None = None
    description: str = ""
    related_package_uuid: str | None = None
    aip_subtype: str | None = None
    keep_origin: bool = True
    misc_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class StoreSubmission:
    """Outcome of asking to store: the package, and whether a job must be enqueued."""

    package: Package
    needs_job: bool


def _check_locations(catalogue: Catalogue, request: StoreRequest) -> tuple[Location, Location]:
    origin = _usable_location(catalogue, request.origin_location, "origin_location")
    if Purpose(origin.purpose) not in STORE_ORIGIN_PURPOSES:
        raise BadRequest(f"origin_location has purpose {origin.purpose}; packages are stored "
                         f"from {', '.join(sorted(p.value for p in STORE_ORIGIN_PURPOSES))} locations")
    destination = _usable_location(catalogue, request.current_location, "current_location")
    accepted = STORE_DESTINATIONS.get(Purpose(destination.purpose))
    if accepted is None or PackageType(request.package_type) not in accepted:
        raise BadRequest(f"current_location has purpose {destination.purpose}, which does not "
                         f"accept packages of type {request.package_type}")
    return origin, destination


def _usable_location(catalogue: Catalogue, location_uuid: str, what: str) -> Location:
    try:
        location = locations.get_location(catalogue, location_uuid, what)
    except NotFound as error:
        raise BadRequest(error.message) from None
    if not location.enabled:
        raise BadRequest(f"{what}: location {location_uuid} is disabled")
    return location


def build_package(catalogue: Catalogue, request: StoreRequest) -> Package:
    """Check a store request against the catalogue and the origin; the PENDING package.

    Only metadata is touched (a stat of the origin): no data is read here.
    """
    origin, _ = _check_locations(catalogue, request)
    resolve_within(origin.path, request.origin_path, "origin_path", must_exist=True)
    if request.origin_pipeline:
        try:
            pipelines.get_pipeline(catalogue, request.origin_pipeline, "origin_pipeline")
        except NotFound as error:
            raise BadRequest(error.message) from None
    name = safe_name(request.current_path or request.origin_path, "current_path")
    misc = dict(request.misc_attributes)
    if request.aip_subtype:
        misc["aip_subtype"] = request.aip_subtype
    return Package(
        uuid=request.uuid, package_type=request.package_type, status=PackageStatus.PENDING.value,
        current_location=request.current_location,
        current_path=f"{uuid_to_path(request.uuid)}/{name}",
        origin_location=request.origin_location, origin_path=request.origin_path,
        origin_pipeline=request.origin_pipeline, description=request.description,
        size=request.size, keep_origin=request.keep_origin, misc_attributes=misc,
        related_packages=[request.related_package_uuid] if request.related_package_uuid else [],
        store_attempts=1, job_id=store_job_id(request.uuid, 1),
    )


def store_job_id(package_uuid: str, attempt: int) -> str:
    """Deterministic RQ job id of the n-th store request of a package."""
    return f"store-{package_uuid}-{attempt}"


def submit_store(catalogue: Catalogue, package: Package) -> StoreSubmission:
    """Record a PENDING package, or find the one a earlier identical request recorded.

    The record is created atomically, so of two concurrent requests for one uuid
    only one enqueues a job; the other gets the same package and job id.

    Raises:
        Conflict: the uuid belongs to a package that is stored elsewhere or busy.
    """
    try:
        catalogue.create(Package.kind, package.uuid, package.to_record(),
                         also=lambda pipe, record: track_in_flight(pipe, catalogue, record))
        return StoreSubmission(package, needs_job=True)
    except Conflict:
        pass
    existing = Package.from_record(catalogue.require(Package.kind, package.uuid))
    same_request = (existing.origin_location, existing.origin_path, existing.current_location) == (
        package.origin_location, package.origin_path, package.current_location)
    if existing.status in IN_FLIGHT_STATUSES and same_request:
        return StoreSubmission(existing, needs_job=False)
    if existing.status == PackageStatus.UPLOADED.value and same_request:
        return StoreSubmission(existing, needs_job=False)
    if existing.status == PackageStatus.FAIL.value:
        return StoreSubmission(_restart_store(catalogue, existing, package), needs_job=True)
    raise Conflict(f"package {package.uuid} already exists with status {existing.status}")


def _restart_store(catalogue: Catalogue, existing: Package, package: Package) -> Package:
    attempt = existing.store_attempts + 1
    changes = package.to_record()
    changes.update(store_attempts=attempt, job_id=store_job_id(package.uuid, attempt),
                   created=existing.created, updated=utcnow(), error=None)
    record = catalogue.update(Package.kind, package.uuid, changes, expect=[PackageStatus.FAIL],
                              also=lambda pipe, rec: track_in_flight(pipe, catalogue, rec))
    return Package.from_record(record)


def get_package(catalogue: Catalogue, package_uuid: str) -> Package:
    """The package; NotFound otherwise."""
    return Package.from_record(catalogue.require(Package.kind, package_uuid))


def list_packages(catalogue: Catalogue) -> list[Package]:
    """Every package, oldest first."""
    return [Package.from_record(r) for r in catalogue.all(Package.kind)]


def in_flight_key(catalogue: Catalogue) -> str:
    """Set of the packages whose status says a job is working on them."""
    return f"{catalogue.prefix}:inflight"


def track_in_flight(pipe, catalogue: Catalogue, record: dict) -> None:
    """Keep the in-flight set in step with a record (inside its transaction)."""
    if record["status"] in WORKED_ON_STATUSES:
        pipe.sadd(in_flight_key(catalogue), record["uuid"])
    else:
        pipe.srem(in_flight_key(catalogue), record["uuid"])


def in_flight(catalogue: Catalogue) -> list[str]:
    """Uuids of the packages a job should be working on (store or move)."""
    return sorted(m.decode() for m in catalogue.connection.smembers(in_flight_key(catalogue)))


def set_status(catalogue: Catalogue, package_uuid: str, status: PackageStatus,
               expect=None, also=None, **fields) -> Package:
    """Move a package to `status` (only from `expect` when given), setting other fields;
    the in-flight set follows in the same transaction."""
    fields.update(status=status.value, updated=utcnow())

    def with_tracking(pipe, record):
        track_in_flight(pipe, catalogue, record)
        if also is not None:
            also(pipe, record)

    record = catalogue.update(Package.kind, package_uuid, fields, expect=expect, also=with_tracking)
    return Package.from_record(record)
