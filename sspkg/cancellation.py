"""Putting things back when a job is canceled or stopped: no staging left, statuses restored."""

from __future__ import annotations

import logging
import os
import shutil

from sspkg import locations, moving, packages, replication, storing
from sspkg.catalogue import Catalogue
from sspkg.constants import IN_FLIGHT_STATUSES
from sspkg.exceptions import NotFound

logger = logging.getLogger(__name__)


def abort_store(catalogue: Catalogue, package_uuid: str, reason: str) -> None:
    """Undo a store that will not finish: origin back (move mode), staging gone, FAIL."""
    package = packages.get_package(catalogue, package_uuid)
    if package.status not in IN_FLIGHT_STATUSES:
        return
    plan = storing.plan_store(catalogue, package)
    if plan.move and os.path.lexists(plan.staging) and not os.path.lexists(plan.origin):
        os.makedirs(os.path.dirname(plan.origin), exist_ok=True)
        os.rename(plan.staging, plan.origin)
    shutil.rmtree(plan.staging_root, ignore_errors=True)
    storing.mark_failed(catalogue, package_uuid, reason)


def _remove_staging(catalogue: Catalogue, location_uuid: str, subject: str) -> None:
    location = locations.get_location(catalogue, location_uuid)
    shutil.rmtree(os.path.join(location.path, storing.STAGING_DIR, subject), ignore_errors=True)


def undo(catalogue: Catalogue, operation: str, args: list, reason: str) -> None:
    """Restore what an interrupted `operation` (with its job `args`) left half done."""
    try:
        if operation == "store":
            abort_store(catalogue, args[0], reason)
        elif operation == "move":
            moving.abandon_move(catalogue, args[0], reason)
        elif operation == "replicate":
            _remove_staging(catalogue, args[1], replication.replica_uuid(args[0], args[1]))
        elif operation == "recover":
            _remove_staging(catalogue, packages.get_package(catalogue, args[0]).current_location, args[0])
    except NotFound as error:
        logger.warning("nothing to undo for %s %s: %s", operation, args, error.message)
