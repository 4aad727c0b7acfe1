"""Replicas in replicator (RP) locations, and recovery of a package from one.

A replica is a package of its own (``replicated_package`` names the
original) with a uuid derived from the original and the replicator
location, so replicating twice cannot make two replicas.
"""

from __future__ import annotations

import logging
import os
import uuid as uuid_module

from sspkg import locations, packages, placement
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus, Purpose
from sspkg.exceptions import BadRequest, Conflict, PackageInvalid, PermanentJobError
from sspkg.models import Package, utcnow
from sspkg.paths import resolve_within, uuid_to_path
from sspkg.placement import ProgressReport
from sspkg.storing import STAGING_DIR

logger = logging.getLogger(__name__)

REPLICA_NAMESPACE = uuid_module.UUID("6f1c3c55-5a0e-4c43-a1b2-8f7de0b3a9c1")


def replica_uuid(original_uuid: str, location_uuid: str) -> str:
    """The uuid of the replica of a package in a replicator location."""
    return str(uuid_module.uuid5(REPLICA_NAMESPACE, f"{original_uuid}:{location_uuid}"))


def package_path(catalogue: Catalogue, package: Package) -> str:
    """Absolute path of a package's stored copy."""
    location = locations.get_location(catalogue, package.current_location)
    return str(resolve_within(location.path, package.current_path, "current_path"))


def check_replicators(catalogue: Catalogue, location_uuids: list[str]) -> None:
    """Refuse replicator locations that are unknown or not of purpose RP."""
    for location_uuid in location_uuids:
        location = locations.get_location(catalogue, location_uuid, "replicators")
        if location.purpose != Purpose.RP.value:
            raise BadRequest(f"replicators: location {location_uuid} has purpose {location.purpose}, not RP")


def replicate(catalogue: Catalogue, original_uuid: str, location_uuid: str,
              report: ProgressReport) -> Package:
    """Make (or find) the verified replica of a stored package in an RP location."""
    original = packages.get_package(catalogue, original_uuid)
    if original.status != PackageStatus.UPLOADED.value:
        raise PermanentJobError(f"package {original_uuid} is {original.status}; not replicating it")
    target = locations.get_location(catalogue, location_uuid)
    replica_id = replica_uuid(original_uuid, location_uuid)
    name = os.path.basename(original.current_path)
    current_path = f"{uuid_to_path(replica_id)}/{name}"
    final = os.path.join(target.path, current_path)
    staging_root = os.path.join(target.path, STAGING_DIR, replica_id, "replicate")
    placement.copy_into_place(package_path(catalogue, original), final, staging_root, report,
                              original.checksum)
    replica = Package(uuid=replica_id, package_type=original.package_type,
                      status=PackageStatus.UPLOADED.value, current_location=location_uuid,
                      current_path=current_path, size=original.size, checksum=original.checksum,
                      checksum_algorithm=original.checksum_algorithm, stored_date=utcnow(),
                      replicated_package=original_uuid, origin_pipeline=original.origin_pipeline,
                      is_bag=original.is_bag)
    try:
        catalogue.create(Package.kind, replica_id, replica.to_record())
        catalogue.connection.hincrby(f"{catalogue.prefix}:{locations.USED_KEY}", location_uuid,
                                     original.size or 0)
    except Conflict:
        replica = packages.get_package(catalogue, replica_id)
    catalogue.update(Package.kind, original_uuid,
                     lambda r: {"replicas": r.get("replicas", []) + [replica_id]
                                if replica_id not in r.get("replicas", []) else r["replicas"]})
    logger.info("replicated %s to %s as %s", original_uuid, location_uuid, replica_id)
    return replica


def recover(catalogue: Catalogue, package_uuid: str, report: ProgressReport) -> Package:
    """Restore a package from the first of its replicas that verifies. Idempotent."""
    package = packages.get_package(catalogue, package_uuid)
    if package.status == PackageStatus.UPLOADED.value:
        return package
    if package.status != PackageStatus.RECOVER_REQ.value:
        raise PermanentJobError(f"package {package_uuid} is {package.status}; not recovering it")
    location = locations.get_location(catalogue, package.current_location)
    final = os.path.join(location.path, package.current_path)
    staging_root = os.path.join(location.path, STAGING_DIR, package_uuid, "recover")
    errors = []
    for replica_id in package.replicas:
        replica = packages.get_package(catalogue, replica_id)
        if replica.status != PackageStatus.UPLOADED.value:
            continue
        try:
            placement.copy_into_place(package_path(catalogue, replica), final, staging_root, report,
                                      package.checksum)
        except (PackageInvalid, OSError) as error:
            errors.append(f"{replica_id}: {error}")
            continue
        return packages.set_status(catalogue, package_uuid, PackageStatus.UPLOADED,
                                   expect=[PackageStatus.RECOVER_REQ], error=None)
    raise PermanentJobError("no replica could restore the package: " + ("; ".join(errors) or "it has none"))
