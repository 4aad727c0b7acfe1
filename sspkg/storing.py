"""The store operation: stage, verify, fsync, rename into place, record. Idempotent.

Every attempt for a package uses the same staging directory
(``<destination>/.sspkg-staging/<uuid>/store``), so an attempt that follows a
crashed one first removes what that left, or — in move mode, where the staging
directory holds the only copy of the origin — carries on from it. A package
is UPLOADED only after its checksum is recorded and, for a bag, its contents
matched the bag's manifests.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass

from sspkg import bags, copying, faults, locations, packages, placement
from sspkg.catalogue import Catalogue
from sspkg.constants import CHECKSUM_ALGORITHM, IN_FLIGHT_STATUSES, PackageStatus
from sspkg.exceptions import PermanentJobError, StatusConflict
from sspkg.models import Location, Package, utcnow
from sspkg.paths import resolve_within
from sspkg.placement import ProgressReport

logger = logging.getLogger(__name__)

STAGING_DIR = ".sspkg-staging"



@dataclass
class StorePlan:
    """Where a package comes from and goes to, and how."""

    package: Package
    origin: str
    staging_root: str
    staging: str
    final: str
    move: bool


def staging_root(destination: Location, package_uuid: str) -> str:
    """The deterministic staging directory of one package in a location."""
    return os.path.join(destination.path, STAGING_DIR, package_uuid)


def plan_store(catalogue: Catalogue, package: Package) -> StorePlan:
    """Work out paths (re-checking the origin against its location) and the mode."""
    origin_location = locations.get_location(catalogue, package.origin_location, "origin_location")
    destination = locations.get_location(catalogue, package.current_location, "current_location")
    origin = str(resolve_within(origin_location.path, package.origin_path, "origin_path"))
    root = staging_root(destination, package.uuid)
    staging = os.path.join(root, "store", os.path.basename(package.current_path))
    final = str(resolve_within(destination.path, package.current_path, "current_path"))
    same_device = os.stat(origin_location.path).st_dev == os.stat(destination.path).st_dev
    return StorePlan(package, origin, root, staging, final, move=not package.keep_origin and same_device)


def store_package(catalogue: Catalogue, package_uuid: str, report: ProgressReport,
                  hash_threads: int = 0) -> Package:
    """Store a PENDING or STAGING package; return it UPLOADED.

    Safe to run again after any interruption, and a no-op once UPLOADED.

    Raises:
        PermanentJobError: bad package or request (not worth retrying).
        OSError: disk trouble (worth retrying); nothing partial is left behind.
    """
    package = packages.get_package(catalogue, package_uuid)
    if package.status == PackageStatus.UPLOADED.value:
        return package
    if package.status not in IN_FLIGHT_STATUSES:
        raise PermanentJobError(f"package {package_uuid} is {package.status}, not awaiting storage")
    plan = plan_store(catalogue, package)
    packages.set_status(catalogue, package_uuid, PackageStatus.STAGING, expect=IN_FLIGHT_STATUSES)
    if os.path.lexists(plan.final):
        stored = _adopt_existing(catalogue, plan, report, hash_threads)
        if stored is not None:
            return stored
    digests = _stage_and_place(plan, report, hash_threads)
    faults.point("store:after_rename")
    return _record(catalogue, plan, digests)


def _adopt_existing(catalogue: Catalogue, plan: StorePlan, report: ProgressReport,
                    hash_threads: int) -> Package | None:
    """A previous attempt renamed the package into place and died: verify and record it."""
    logger.info("package %s already at %s; verifying it", plan.package.uuid, plan.final)
    try:
        digests = placement.verify_in_place(plan.final, report, hash_threads)
    except PermanentJobError:
        logger.warning("removing unverifiable copy at %s", plan.final)
        placement.remove(plan.final)
        return None
    shutil.rmtree(plan.staging_root, ignore_errors=True)
    return _record(catalogue, plan, digests)


def _stage_and_place(plan: StorePlan, report: ProgressReport, hash_threads: int) -> dict:
    """Bring the package into staging, verify it, rename it into place.

    On any failure nothing stays at the destination: a copy is removed, a
    moved origin is moved back.
    """
    resumed = plan.move and not os.path.lexists(plan.origin) and os.path.lexists(plan.staging)
    if not resumed:
        if not os.path.lexists(plan.origin):
            raise PermanentJobError(f"origin_path no longer exists: {plan.package.origin_path}")
        shutil.rmtree(plan.staging_root, ignore_errors=True)
        os.makedirs(os.path.dirname(plan.staging))
    moved = plan.move
    started = time.monotonic()
    try:
        if plan.move:
            if not resumed:
                copying.scan_tree(plan.origin)  # refuse links before moving anything
                os.rename(plan.origin, plan.staging)
            digests = placement.verify_in_place(plan.staging, report, hash_threads)
        else:
            digests = placement.copy_verified(plan.origin, plan.staging, report)
        verified = time.monotonic()
        placement.place(plan.staging, plan.final, plan.staging_root)
        logger.info("package %s: %s and verified in %.2f s, synced and placed in %.2f s",
                    plan.package.uuid, "moved" if plan.move else "copied", verified - started,
                    time.monotonic() - verified)
        return digests
    except BaseException:
        if moved and os.path.lexists(plan.staging):
            os.makedirs(os.path.dirname(plan.origin), exist_ok=True)
            os.rename(plan.staging, plan.origin)
        shutil.rmtree(plan.staging_root, ignore_errors=True)
        raise


def _record(catalogue: Catalogue, plan: StorePlan, digests: dict) -> Package:
    """Record size and checksum and mark UPLOADED; then drop a moved-from origin."""
    size = placement.tree_size(plan.final)
    package = packages.set_status(
        catalogue, plan.package.uuid, PackageStatus.UPLOADED, expect=[PackageStatus.STAGING],
        size=size, checksum=copying.package_checksum(digests, os.path.isfile(plan.final)),
        checksum_algorithm=CHECKSUM_ALGORITHM, stored_date=utcnow(), error=None,
        is_bag=bags.is_bag(plan.final),
        also=lambda pipe, _: locations.count_used(pipe, catalogue, plan.package.current_location, size),
    )
    if not plan.package.keep_origin and os.path.lexists(plan.origin):
        placement.remove(plan.origin)
    logger.info("stored package %s (%d bytes) at %s", package.uuid, size, plan.final)
    return package


def mark_failed(catalogue: Catalogue, package_uuid: str, reason: str) -> None:
    """Record a store that will not be retried: status FAIL with the reason."""
    try:
        packages.set_status(catalogue, package_uuid, PackageStatus.FAIL,
                            expect=IN_FLIGHT_STATUSES, error=reason)
    except StatusConflict as conflict:
        logger.warning("not marking %s FAIL: %s", package_uuid, conflict.message)
