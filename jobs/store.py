"""Store job: copy (or move) a package into its location, verify it and record it."""

from __future__ import annotations

from jobs.context import JobContext, run_job
from sspkg import storing, submissions


def store_package(package_uuid: str) -> dict:
    """Store the package `package_uuid`; the job's result summarises it.

    Permanent errors (bad package) fail the job at once with the package FAIL;
    others are retried, and the package goes FAIL when the retries are spent.
    """
    def work(context: JobContext) -> dict:
        package = storing.store_package(context.catalogue, package_uuid, context.report,
                                        context.settings.SS_HASH_PROCESSES)
        submissions.queue_replicas(context.catalogue, context.job.connection, context.settings, package)
        if not context.job.meta.get("counted"):
            context.count("bytes_stored", package.size or 0)
            context.count("packages_stored")
            context.job.meta["counted"] = True
            context.job.save_meta()
        return {"package": package.uuid, "status": package.status, "size": package.size,
                "checksum": package.checksum, "checksum_algorithm": package.checksum_algorithm,
                "current_path": package.current_path}

    return run_job(work, lambda context, reason: storing.mark_failed(context.catalogue,
                                                                      package_uuid, reason))
