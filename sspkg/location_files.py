"""Copying files between locations (SS `POST location/<uuid>/`): every path checked,
every copy staged, verified and renamed into place; re-running converges."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass

from sspkg import copying, locations, placement
from sspkg.catalogue import Catalogue
from sspkg.exceptions import BadRequest, NotFound, PermanentJobError
from sspkg.models import Location
from sspkg.paths import resolve_within
from sspkg.placement import ProgressReport
from sspkg.storing import STAGING_DIR

logger = logging.getLogger(__name__)


@dataclass
class FileCopy:
    """One requested copy, resolved to absolute paths."""

    source: str
    destination: str
    relative_destination: str


def _location(catalogue: Catalogue, location_uuid: str, what: str) -> Location:
    try:
        return locations.get_location(catalogue, location_uuid, what)
    except NotFound as error:
        raise BadRequest(error.message) from None


def plan(catalogue: Catalogue, destination_uuid: str, origin_uuid: str,
         files: list[dict]) -> list[FileCopy]:
    """Resolve and check every `{source, destination}`; 400 naming the first bad one."""
    destination = _location(catalogue, destination_uuid, "location")
    origin = _location(catalogue, origin_uuid, "origin_location")
    if not files:
        raise BadRequest("files must list at least one {source, destination}")
    copies = []
    for index, entry in enumerate(files):
        source = resolve_within(origin.path, entry["source"], f"files.{index}.source", must_exist=True)
        target = resolve_within(destination.path, entry["destination"], f"files.{index}.destination")
        copies.append(FileCopy(str(source), str(target), entry["destination"]))
    return copies


def copy_files(catalogue: Catalogue, destination_uuid: str, origin_uuid: str, files: list[dict],
               report: ProgressReport) -> int:
    """Copy every entry; an identical copy already in place is kept. Returns how many were written."""
    destination = locations.get_location(catalogue, destination_uuid)
    try:
        copies = plan(catalogue, destination_uuid, origin_uuid, files)
    except BadRequest as error:
        raise PermanentJobError(error.message) from None
    written = 0
    for copy in copies:
        key = hashlib.sha256(copy.relative_destination.encode()).hexdigest()[:16]
        staging_root = os.path.join(destination.path, STAGING_DIR, f"files-{key}")
        if _copy_one(copy, staging_root, report):
            written += 1
    return written


def _copy_one(copy: FileCopy, staging_root: str, report: ProgressReport) -> bool:
    staging = os.path.join(staging_root, "copy", os.path.basename(copy.destination))
    shutil.rmtree(staging_root, ignore_errors=True)
    os.makedirs(os.path.dirname(staging))
    try:
        digests = placement.copy_verified(copy.source, staging, report)
        if os.path.lexists(copy.destination):
            if _same(copy.destination, digests):
                return False
            placement.remove(copy.destination)
        placement.place(staging, copy.destination, staging_root)
        return True
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)


def _same(path: str, digests: dict) -> bool:
    scan = copying.scan_tree(path)
    existing = copying.hash_tree(path, scan, ["sha256"])
    return {k: v["sha256"] for k, v in existing.items()} == {k: v["sha256"] for k, v in digests.items()}
