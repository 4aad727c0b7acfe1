"""Deleting an approved package: its files, then its replicas, then the catalogue says DELETED."""

from __future__ import annotations

import logging
import os

from sspkg import locations, packages, placement
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.exceptions import PermanentJobError
from sspkg.models import Package
from sspkg.paths import resolve_within

logger = logging.getLogger(__name__)

DELETABLE = [PackageStatus.DEL_REQ, PackageStatus.UPLOADED]


def remove_files(catalogue: Catalogue, package: Package) -> None:
    """Remove a package's stored copy (if still there) and empty uuid directories above it."""
    location = locations.get_location(catalogue, package.current_location)
    path = str(resolve_within(location.path, package.current_path, "current_path"))
    if os.path.lexists(path):
        placement.remove(path)
        parent = os.path.dirname(path)
        while os.path.realpath(parent) != os.path.realpath(location.path):
            try:
                os.rmdir(parent)
            except OSError:
                break
            parent = os.path.dirname(parent)


def delete_package(catalogue: Catalogue, package_uuid: str, with_replicas: bool = True) -> Package:
    """Delete a package whose deletion was approved. Idempotent once DELETED."""
    package = packages.get_package(catalogue, package_uuid)
    if package.status == PackageStatus.DELETED.value:
        return package
    if package.status not in {s.value for s in DELETABLE}:
        raise PermanentJobError(f"package {package_uuid} is {package.status}; not deleting it")
    remove_files(catalogue, package)
    if with_replicas:
        for replica_uuid in package.replicas:
            delete_package(catalogue, replica_uuid, with_replicas=False)
    size = package.size or 0
    deleted = packages.set_status(
        catalogue, package_uuid, PackageStatus.DELETED, expect=DELETABLE,
        also=lambda pipe, _: locations.count_used(pipe, catalogue, package.current_location, -size))
    logger.info("deleted package %s", package_uuid)
    return deleted
