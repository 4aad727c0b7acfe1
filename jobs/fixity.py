"""Fixity job: check a stored package and record the outcome in its history."""

from __future__ import annotations

from jobs.context import JobContext
from sspkg import fixity


def check_fixity(package_uuid: str) -> dict:
    """Check `package_uuid`; the job's result is the SS fixity report."""
    context = JobContext.current()
    report = fixity.check_package(context.catalogue, package_uuid, context.report,
                                  context.settings.SS_HASH_PROCESSES)
    fixity.record(context.catalogue, package_uuid, report)
    return report.to_json()
