"""Service telemetry kept in Redis, so every process (web, workers) reports the same numbers.

Jobs count what they did (bytes stored, fixity checks and failures, durations
by operation in histogram buckets) with atomic increments under
``<prefix>:metrics:*``; the web process reads them, with queue depths, job
states and live workers, when /metrics is scraped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import redis
from rq import Queue, Worker
from rq.registry import (
    CanceledJobRegistry,
    DeferredJobRegistry,
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.serializers import JSONSerializer

logger = logging.getLogger(__name__)

DURATION_BUCKETS = (0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, float("inf"))
"""Upper bounds (seconds) of the job duration histogram."""

REGISTRIES = {
    "started": StartedJobRegistry, "failed": FailedJobRegistry, "finished": FinishedJobRegistry,
    "scheduled": ScheduledJobRegistry, "deferred": DeferredJobRegistry, "canceled": CanceledJobRegistry,
}


def _key(prefix: str, name: str) -> str:
    return f"{prefix}:metrics:{name}"


def count(connection: redis.Redis, prefix: str, name: str, amount: int = 1) -> None:
    """Add to a counter (bytes_stored, fixity_checks, fixity_failures, ...)."""
    connection.incrby(_key(prefix, name), amount)


def observe_duration(connection: redis.Redis, prefix: str, operation: str, seconds: float) -> None:
    """Record one job's duration in its operation's histogram."""
    key = _key(prefix, f"duration:{operation}")
    pipe = connection.pipeline(transaction=False)
    for bound in DURATION_BUCKETS:
        if seconds <= bound:
            pipe.hincrby(key, str(bound), 1)
    pipe.hincrbyfloat(key, "sum", seconds)
    pipe.hincrby(key, "count", 1)
    pipe.execute()


@dataclass
class Snapshot:
    """Everything /metrics and /api/v3/status report, read from Redis at once."""

    queue_depth: dict[str, int] = field(default_factory=dict)
    jobs: dict[tuple[str, str], int] = field(default_factory=dict)
    workers: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    durations: dict[str, dict[str, float]] = field(default_factory=dict)


def snapshot(connection: redis.Redis, prefix: str) -> Snapshot:
    """Read every metric from Redis."""
    snap = Snapshot()
    for queue in Queue.all(connection=connection, serializer=JSONSerializer):
        snap.queue_depth[queue.name] = queue.count
        snap.jobs[(queue.name, "queued")] = queue.count
        for state, registry in REGISTRIES.items():
            snap.jobs[(queue.name, state)] = registry(queue=queue).count
    snap.workers = len(Worker.all(connection=connection))
    for name in ("bytes_stored", "packages_stored", "fixity_checks", "fixity_failures"):
        snap.counters[name] = int(connection.get(_key(prefix, name)) or 0)
    for key in connection.scan_iter(match=_key(prefix, "duration:*")):
        operation = key.decode().rsplit(":", 1)[-1]
        snap.durations[operation] = {k.decode(): float(v) for k, v in connection.hgetall(key).items()}
    return snap
