"""Store job: copy (or move) a package into its location, verify it and record it."""

from __future__ import annotations

import logging

from jobs.context import JobContext
from sspkg import storing
from sspkg.exceptions import PermanentJobError

logger = logging.getLogger(__name__)


def store_package(package_uuid: str) -> dict:
    """Store the package `package_uuid`; the job's result summarises it.

    Permanent errors (bad package) fail the job at once with the package FAIL;
    others are retried, and the package goes FAIL when the retries are spent.
    """
    context = JobContext.current()
    try:
        package = storing.store_package(context.catalogue, package_uuid, context.report,
                                        context.settings.SS_HASH_PROCESSES)
    except PermanentJobError as error:
        context.give_up()
        context.record_error(error, permanent=True)
        storing.mark_failed(context.catalogue, package_uuid, error.message)
        raise
    except Exception as error:
        context.record_error(error, permanent=False)
        if not context.will_retry:
            storing.mark_failed(context.catalogue, package_uuid, f"{type(error).__name__}: {error}")
        else:
            logger.warning("store of %s failed, will retry: %s", package_uuid, error)
        raise
    return {"package": package.uuid, "status": package.status, "size": package.size,
            "checksum": package.checksum, "checksum_algorithm": package.checksum_algorithm,
            "current_path": package.current_path}
