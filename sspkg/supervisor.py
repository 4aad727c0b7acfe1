"""The supervisor: finds work that was lost and puts it back, so every accepted job is done.

Each round (every SS_SUPERVISOR_INTERVAL s), under a Redis lock with expiry so
that of several supervisors only one acts at a time, it:

1. moves due scheduled jobs (retries waiting out their interval) to their
   queues: the supervisor is the service's RQ scheduler (workers run without
   one, so a killed worker never holds the scheduler lock);
2. cleans every queue's started registry (a job whose worker stopped
   heartbeating is retried or, with no retries left, failed) and
   intermediate queue (a job a dead worker had just taken), and puts back
   queued jobs that no queue list holds (a worker died between taking one
   from several queues and registering it);
3. reconciles the catalogue with the queues: a package whose status says a job
   works on it (PENDING, STAGING, MOVING) but whose job no queue or registry
   holds gets its job again; one whose job failed for good, was stopped or
   canceled is failed (or, for a move, put back) with the reason;
4. removes staging directories that no job owns any longer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import redis
from rq import Queue
from rq.intermediate_queue import IntermediateQueue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer

from config import Settings
from sspkg import cancellation, locations, packages, queues
from sspkg.catalogue import Catalogue
from sspkg.constants import WORKED_ON_STATUSES, PackageStatus
from sspkg.exceptions import NotFound
from sspkg.job_documents import job_error
from sspkg.storing import STAGING_DIR

logger = logging.getLogger(__name__)

LOST_AFTER = 10.0
"""Seconds a package (or queued job) may look lost before it counts as lost (enqueue races)."""

SCHEDULE_TICK = 1.0
"""Seconds between two moves of due scheduled jobs to their queues."""

STRANDED_SCAN = 1000
"""How many of the newest jobs are checked for having fallen out of their queue."""

STRANDED_EVERY = 5
"""Check for stranded jobs every this many rounds (it reads up to STRANDED_SCAN jobs)."""


@dataclass
class RoundReport:
    """What one round did."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)


class Supervisor:
    """One supervisor process (several may run; one acts at a time)."""

    def __init__(self, connection: redis.Redis, settings: Settings):
        self.connection = connection
        self.settings = settings
        self.catalogue = Catalogue(connection, settings.SS_REDIS_PREFIX)
        self.token = secrets.token_hex(8)
        self.lock_key = f"{settings.SS_REDIS_PREFIX}:supervisor:lock"
        self.interval = float(settings.SS_SUPERVISOR_INTERVAL)
        self.scheduler: RQScheduler | None = None
        self.rounds = 0

    def acquire(self) -> bool:
        """Hold (or renew) the lock for three intervals; False if another supervisor has it."""
        ttl = max(int(self.interval * 3), 3)
        if self.connection.set(self.lock_key, self.token, nx=True, ex=ttl):
            return True
        if self.connection.get(self.lock_key) == self.token.encode():
            self.connection.expire(self.lock_key, ttl)
            return True
        return False

    def run_forever(self, stop=lambda: False) -> None:
        """Schedule every second and run a round every interval, until `stop()`;
        survive Redis outages by waiting them out."""
        last_round = 0.0
        try:
            while not stop():
                try:
                    if self.acquire():
                        self.schedule()
                        if time.monotonic() - last_round >= self.interval:
                            self.round()
                            last_round = time.monotonic()
                except (redis.ConnectionError, redis.TimeoutError) as error:
                    logger.warning("Redis unavailable (%s); retrying", error)
                time.sleep(SCHEDULE_TICK)
        finally:
            if self.scheduler is not None:
                with contextlib.suppress(redis.RedisError):
                    self.scheduler.release_locks()

    def schedule(self) -> None:
        """Enqueue scheduled jobs that are due, holding RQ's scheduler lock of every queue."""
        names = {q.name for q in Queue.all(connection=self.connection, serializer=JSONSerializer)}
        if self.scheduler is None or names != self.scheduler._queue_names:
            if self.scheduler is not None:
                self.scheduler.release_locks()
            self.scheduler = RQScheduler(sorted(names), self.connection, serializer=JSONSerializer,
                                         name=f"supervisor-{self.token}")
        self.scheduler.acquire_locks()
        self.scheduler.enqueue_scheduled_jobs()

    def round(self) -> RoundReport:
        """One pass of registry cleanup, reconciliation and staging sweep."""
        report = RoundReport()
        self.clean_registries()
        self.rounds += 1
        if (self.rounds - 1) % STRANDED_EVERY == 0:
            self.requeue_stranded(report)
        self.reconcile(report)
        self.sweep_staging(report)
        if report.requeued or report.failed or report.orphans_removed:
            logger.info("supervisor: requeued %s, failed %s, removed staging %s",
                        report.requeued, report.failed, report.orphans_removed)
        return report

    def clean_registries(self) -> None:
        """Abandoned started jobs and stuck intermediate entries, on every queue."""
        from sspkg.worker import ServiceWorker

        for queue in Queue.all(connection=self.connection, serializer=JSONSerializer):
            StartedJobRegistry(queue=queue, serializer=JSONSerializer).cleanup()
            intermediate = IntermediateQueue(queue.key, self.connection)
            if intermediate.get_job_ids():
                worker = ServiceWorker([queue], connection=self.connection, serializer=JSONSerializer)
                intermediate.cleanup(worker, queue)

    def requeue_stranded(self, report: RoundReport) -> None:
        """Put back recent jobs whose status is queued but that no queue list holds."""
        ids = [i.decode() for i in self.connection.zrevrange(f"{self.settings.SS_REDIS_PREFIX}:jobs", 0,
                                                               STRANDED_SCAN - 1)]
        cutoff = datetime.now(timezone.utc).timestamp() - LOST_AFTER
        for job in Job.fetch_many(ids, connection=self.connection, serializer=JSONSerializer):
            if job is None or job.get_status(refresh=False) != JobStatus.QUEUED:
                continue
            enqueued = job.enqueued_at.replace(tzinfo=timezone.utc).timestamp() if job.enqueued_at else 0
            if enqueued >= cutoff or not self._stranded(job):
                continue
            # A worker taking the job puts it in its started registry within milliseconds; seen
            # stranded in two rounds an interval apart, it truly is (no double enqueue).
            seen_key = f"{self.settings.SS_REDIS_PREFIX}:stranded:{job.id}"
            if self.connection.set(seen_key, 1, nx=True, ex=int(self.interval * 4) + 1):
                continue
            self.connection.delete(seen_key)
            Queue(job.origin, connection=self.connection, serializer=JSONSerializer).enqueue_job(job)
            report.requeued.append(job.id)

    def _stranded(self, job) -> bool:
        """In no queue list, no intermediate list and no started registry."""
        if not self._missing_from_queue(job):
            return False
        return not any(True for _ in self.connection.zscan_iter(f"rq:wip:{job.origin}", match=f"{job.id}:*"))

    def _job_of(self, package) -> tuple[str, str | None]:
        if package.status == PackageStatus.MOVING.value:
            return "move", package.misc_attributes.get("move", {}).get("job")
        return "store", package.job_id

    def reconcile(self, report: RoundReport) -> None:
        """Give every in-flight package a live job, or fail it with the reason."""
        for package_uuid in packages.in_flight(self.catalogue):
            try:
                package = packages.get_package(self.catalogue, package_uuid)
            except NotFound:
                self.connection.srem(packages.in_flight_key(self.catalogue), package_uuid)
                continue
            if package.status not in WORKED_ON_STATUSES:
                self.connection.srem(packages.in_flight_key(self.catalogue), package_uuid)
                continue
            operation, job_id = self._job_of(package)
            if job_id:
                self._reconcile_one(package, operation, job_id, report)

    def _reconcile_one(self, package, operation: str, job_id: str, report: RoundReport) -> None:
        job = queues.fetch_job(self.connection, job_id)
        if job is None:
            if _age(package.updated) < LOST_AFTER:
                return
            location = package.misc_attributes.get("move", {}).get("to") or package.current_location
            queues.enqueue(self.connection, self.settings, operation, [package.uuid], job_id,
                           size=package.size, package=package.uuid, location=location)
            report.requeued.append(job_id)
            return
        status = job.get_status(refresh=True)
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            reason = (job_error(job) or {}).get("message", status.value)
            cancellation.undo(self.catalogue, operation, [package.uuid], reason)
            report.failed.append(job_id)

    def _missing_from_queue(self, job) -> bool:
        queue_key = f"rq:queue:{job.origin}"
        return (self.connection.lpos(queue_key, job.id) is None
                and self.connection.lpos(IntermediateQueue.get_intermediate_queue_key(queue_key), job.id) is None)

    def sweep_staging(self, report: RoundReport) -> None:
        """Remove staging directories no in-flight package owns, once old enough."""
        busy = set(packages.in_flight(self.catalogue))
        for location in locations.list_locations(self.catalogue):
            root = os.path.join(location.path, STAGING_DIR)
            if not os.path.isdir(root):
                continue
            for name in os.listdir(root):
                path = os.path.join(root, name)
                if name in busy or _age_of_path(path) < float(self.settings.SS_ORPHAN_STAGING_AGE):
                    continue
                shutil.rmtree(path, ignore_errors=True)
                report.orphans_removed.append(path)


def _age(iso_time: str | None) -> float:
    if not iso_time:
        return float("inf")
    return (datetime.now(timezone.utc) - datetime.fromisoformat(iso_time)).total_seconds()


def _age_of_path(path: str) -> float:
    try:
        return time.time() - os.lstat(path).st_mtime
    except FileNotFoundError:
        return 0.0
