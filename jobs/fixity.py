"""Fixity jobs: a check on request, a scheduled audit, and the audit scheduler itself."""

from __future__ import annotations

import logging

from jobs.context import JobContext, run_job
from sspkg import audits, fixity, queues

logger = logging.getLogger(__name__)


def _check(context: JobContext, package_uuid: str) -> fixity.FixityReport:
    report = fixity.check_package(context.catalogue, package_uuid, context.report,
                                  context.settings.SS_HASH_PROCESSES)
    fixity.record(context.catalogue, package_uuid, report)
    context.count("fixity_checks")
    if report.success is False:
        context.count("fixity_failures")
    return report


def check_fixity(package_uuid: str) -> dict:
    """Check `package_uuid`; the job's result is the SS fixity report."""
    return run_job(lambda context: _check(context, package_uuid).to_json(), lambda context, reason: None)


def audit_package(package_uuid: str) -> dict:
    """A scheduled check; damage is logged at error level and sent to the post-fixity callback."""
    def work(context: JobContext) -> dict:
        report = _check(context, package_uuid)
        url = context.settings.SS_POST_FIXITY_CALLBACK_URL
        if report.success is False and url:
            queues.enqueue_callback(context.job.connection, context.settings, context.job.id, url, "finished")
        return report.to_json()

    return run_job(work, lambda context, reason: None)


def schedule_audits() -> dict:
    """Queue the audits that are due (run by the cron process every SS_AUDIT_EVERY s)."""
    return run_job(lambda context: {"queued": audits.schedule(context.catalogue, context.settings)},
                   lambda context, reason: None)
