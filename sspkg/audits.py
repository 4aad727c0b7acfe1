"""Scheduled fixity audits: oldest check first, within a period, on a bounded share of workers.

The cron process runs `schedule` every SS_AUDIT_EVERY seconds. Each run
counts the audit jobs queued or running, allows at most SS_AUDIT_WORKER_SHARE
of the live workers (at least one job), and queues audits for that many
packages: stored AIPs and AICs never checked or last checked longest ago,
once their last check is older than 90 % of SS_AUDIT_PERIOD_DAYS (so each is
checked within the period, spread out rather than all at once). Audits run on
their own `audit` queue, which workers take last.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone

import redis
from rq import Worker
from rq.registry import StartedJobRegistry

from config import Settings
from sspkg import packages, queues
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.fixity import CHECKABLE_TYPES

logger = logging.getLogger(__name__)

DUE_FRACTION = 0.9


def last_checks(catalogue: Catalogue, package_uuids: list[str]) -> dict[str, float | None]:
    """When each package was last fixity-checked (epoch seconds), or None."""
    if not package_uuids:
        return {}
    scores = catalogue.connection.zmscore(f"{catalogue.prefix}:fixity:last", package_uuids)
    return dict(zip(package_uuids, scores, strict=True))


def _stored_at(package) -> float:
    if not package.stored_date:
        return 0.0
    return datetime.fromisoformat(package.stored_date).replace(tzinfo=timezone.utc).timestamp()


def due(catalogue: Catalogue, settings: Settings, now: float | None = None) -> list[str]:
    """Packages due for an audit, most overdue first."""
    now = time.time() if now is None else now
    horizon = now - settings.SS_AUDIT_PERIOD_DAYS * 86400 * DUE_FRACTION
    stored = [p for p in packages.list_packages(catalogue)
              if p.status == PackageStatus.UPLOADED.value and p.package_type in CHECKABLE_TYPES]
    checked = last_checks(catalogue, [p.uuid for p in stored])
    candidates = [(checked[p.uuid] or 0.0, _stored_at(p), p.uuid) for p in stored]
    return [uuid for last, _, uuid in sorted(candidates) if last < horizon]


def free_slots(connection: redis.Redis, settings: Settings) -> int:
    """How many more audits may run now under the worker share."""
    workers = Worker.count(connection=connection)
    allowed = max(1, math.floor(settings.SS_AUDIT_WORKER_SHARE * workers))
    queue = queues.get_queue(connection, queues.AUDIT_QUEUE)
    busy = queue.count + StartedJobRegistry(queue=queue).count
    return max(0, allowed - busy)


def schedule(catalogue: Catalogue, settings: Settings) -> list[str]:
    """Queue audits for the most overdue packages the free slots allow. Returns job ids."""
    slots = free_slots(catalogue.connection, settings)
    chosen = due(catalogue, settings)[:slots]
    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    jobs = []
    for package_uuid in chosen:
        package = packages.get_package(catalogue, package_uuid)
        job = queues.enqueue(catalogue.connection, settings, "audit", [package_uuid],
                             f"audit-{package_uuid}-{day}", size=package.size, package=package_uuid,
                             location=package.current_location)
        jobs.append(job.id)
    if jobs:
        logger.info("queued %d audits (%d slots)", len(jobs), slots)
    return jobs
