"""The cron process: RQ's own cron scheduler, queueing the service's periodic jobs.

RQ's cron enqueues with RQ's default (pickle) serializer; the service's
workers read JSON, so each cron entry here is queued through the service's
own enqueue (JSON, retries, job index) instead.
"""

from __future__ import annotations

import importlib
import time

from rq.cron import CronJob, CronScheduler

from config import Settings
from sspkg import queues
from sspkg.connection import worker_connection

DOWNLOAD_CLEAN_EVERY = 600


class ServiceCronJob(CronJob):
    """A cron entry queued with the service's enqueue policy."""

    operation: str = ""
    settings: Settings | None = None

    def enqueue(self, connection):
        """Queue one run of this entry; at most one per interval, however often asked."""
        slot = int(time.time() // (self.interval or 1))
        return queues.enqueue(connection, self.settings, self.operation, [], f"{self.operation}-{slot}")


class ServiceCronScheduler(CronScheduler):
    """RQ's cron scheduler, registering service operations by name."""

    def __init__(self, settings: Settings, **kwargs):
        super().__init__(worker_connection(settings), name="sspkg-cron", **kwargs)
        self.settings = settings

    def register_operation(self, operation: str, interval: int) -> CronJob:
        """Run the service `operation` (see queues.OPERATIONS) every `interval` seconds."""
        function_path, queue_name = queues.OPERATIONS[operation]
        module, name = function_path.rsplit(".", 1)
        cron_job = self.register(getattr(importlib.import_module(module), name), queue_name,
                                 interval=interval, name=operation)
        cron_job.__class__ = ServiceCronJob
        cron_job.operation = operation
        cron_job.settings = self.settings
        return cron_job


def run_cron(settings: Settings) -> None:
    """Schedule audits and download cleaning until stopped."""
    scheduler = ServiceCronScheduler(settings)
    scheduler.register_operation("schedule_audits", int(settings.SS_AUDIT_EVERY))
    scheduler.register_operation("clean_downloads", DOWNLOAD_CLEAN_EVERY)
    scheduler.start()
