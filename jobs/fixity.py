"""Fixity job: check a stored package and record the outcome in its history."""

from __future__ import annotations

from jobs.context import JobContext, run_job
from sspkg import fixity


def check_fixity(package_uuid: str) -> dict:
    """Check `package_uuid`; the job's result is the SS fixity report."""
    def work(context: JobContext) -> dict:
        report = fixity.check_package(context.catalogue, package_uuid, context.report,
                                      context.settings.SS_HASH_PROCESSES)
        fixity.record(context.catalogue, package_uuid, report)
        context.count("fixity_checks")
        if report.success is False:
            context.count("fixity_failures")
        return report.to_json()

    return run_job(work, lambda context, reason: None)
