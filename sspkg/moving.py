"""Moving a stored package to another location of the same purpose.

The package is copied and verified against its recorded checksum, the
catalogue is switched (compare-and-set MOVING -> UPLOADED with the new
location), and only then is the old copy removed. A failed move leaves the
package UPLOADED where it was (SS left such packages stuck in MOVING).
"""

from __future__ import annotations

import logging
import os

from sspkg import faults, locations, packages, placement
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.exceptions import BadRequest, NotFound, PermanentJobError, StatusConflict
from sspkg.models import Package
from sspkg.paths import resolve_within
from sspkg.placement import ProgressReport
from sspkg.storing import STAGING_DIR

logger = logging.getLogger(__name__)

MOVABLE = [PackageStatus.UPLOADED]


def request_move(catalogue: Catalogue, package_uuid: str, location_uuid: str) -> Package:
    """Check a move and mark the package MOVING; the caller queues `move-<uuid>-<n>`."""
    package = packages.get_package(catalogue, package_uuid)
    if package.status != PackageStatus.UPLOADED.value:
        raise BadRequest(f"only UPLOADED packages can be moved; {package_uuid} is {package.status}")
    try:
        target = locations.get_location(catalogue, location_uuid, "location_uuid")
    except NotFound as error:
        raise BadRequest(error.message) from None
    current = locations.get_location(catalogue, package.current_location)
    if target.uuid == current.uuid:
        raise BadRequest(f"package {package_uuid} is already in location {target.uuid}")
    if target.purpose != current.purpose:
        raise BadRequest(f"location_uuid has purpose {target.purpose}; the package needs {current.purpose}")
    if not target.enabled:
        raise BadRequest(f"location_uuid: location {target.uuid} is disabled")
    attempt = int(package.misc_attributes.get("moves", 0)) + 1
    misc = dict(package.misc_attributes, moves=attempt,
                move={"from": current.uuid, "to": target.uuid, "job": f"move-{package_uuid}-{attempt}"})
    return packages.set_status(catalogue, package_uuid, PackageStatus.MOVING, expect=MOVABLE,
                               misc_attributes=misc)


def move_package(catalogue: Catalogue, package_uuid: str, report: ProgressReport,
                 threads: int = 0) -> Package:
    """Copy, verify, switch, then remove the old copy. Idempotent at every step."""
    package = packages.get_package(catalogue, package_uuid)
    move = package.misc_attributes.get("move")
    if move is None:
        raise PermanentJobError(f"package {package_uuid} has no move in progress")
    source_location = locations.get_location(catalogue, move["from"])
    target = locations.get_location(catalogue, move["to"])
    source = str(resolve_within(source_location.path, package.current_path, "current_path"))
    if package.status == PackageStatus.MOVING.value:
        faults.point("move:start")
        final = os.path.join(target.path, package.current_path)
        staging_root = os.path.join(target.path, STAGING_DIR, package_uuid, "move")
        placement.copy_into_place(source, final, staging_root, report, package.checksum, threads)
        package = _switch(catalogue, package, move)
    elif package.current_location != move["to"]:
        raise PermanentJobError(f"package {package_uuid} is {package.status}, not MOVING")
    if os.path.lexists(source):
        placement.remove(source)
        _prune_empty_parents(source, source_location.path)
    misc = {k: v for k, v in package.misc_attributes.items() if k != "move"}
    return packages.set_status(catalogue, package_uuid, PackageStatus.UPLOADED,
                               expect=[PackageStatus.UPLOADED], misc_attributes=misc)


def _switch(catalogue: Catalogue, package: Package, move: dict) -> Package:
    size = package.size or 0

    def count(pipe, _record):
        locations.count_used(pipe, catalogue, move["from"], -size)
        locations.count_used(pipe, catalogue, move["to"], size)

    return packages.set_status(catalogue, package.uuid, PackageStatus.UPLOADED,
                               expect=[PackageStatus.MOVING], current_location=move["to"], also=count)


def _prune_empty_parents(path: str, stop: str) -> None:
    """Remove the now-empty uuid directories above a removed package, up to `stop`."""
    parent = os.path.dirname(path)
    while os.path.realpath(parent) != os.path.realpath(stop) and parent.startswith(stop):
        try:
            os.rmdir(parent)
        except OSError:
            return
        parent = os.path.dirname(parent)


def abandon_move(catalogue: Catalogue, package_uuid: str, reason: str) -> None:
    """A move that will not be retried: back to UPLOADED at the old place, with the reason,
    and any copy already made at the target removed."""
    package = packages.get_package(catalogue, package_uuid)
    move = package.misc_attributes.get("move")
    if package.status != PackageStatus.MOVING.value or move is None:
        logger.warning("not reverting move of %s: it is %s", package_uuid, package.status)
        return
    misc = {k: v for k, v in package.misc_attributes.items() if k != "move"}
    try:
        packages.set_status(catalogue, package_uuid, PackageStatus.UPLOADED,
                            expect=[PackageStatus.MOVING], misc_attributes=misc,
                            error=f"move failed: {reason}")
    except StatusConflict as conflict:
        logger.warning("not reverting move of %s: %s", package_uuid, conflict.message)
        return
    target = locations.get_location(catalogue, move["to"])
    leftover = os.path.join(target.path, package.current_path)
    if os.path.lexists(leftover):
        placement.remove(leftover)
        _prune_empty_parents(leftover, target.path)
