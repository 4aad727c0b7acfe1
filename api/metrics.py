"""`/metrics` (Prometheus text format) and `/healthz` (no auth, no secrets)."""

from __future__ import annotations

from flask import Response, current_app, jsonify
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from rq import Worker

from api import redis_store
from api.auth import authenticate_request
from sspkg import telemetry
from sspkg.exceptions import NotFound


class RedisCollector:
    """Prometheus collector reading the shared telemetry from Redis on each scrape."""

    def __init__(self, connection, prefix: str):
        self.connection = connection
        self.prefix = prefix

    def collect(self):
        snap = telemetry.snapshot(self.connection, self.prefix)
        depth = GaugeMetricFamily("sspkg_queue_depth", "Jobs waiting in each queue", labels=["queue"])
        for queue, value in sorted(snap.queue_depth.items()):
            depth.add_metric([queue], value)
        jobs = GaugeMetricFamily("sspkg_jobs", "Jobs by queue and state", labels=["queue", "state"])
        for (queue, state), value in sorted(snap.jobs.items()):
            jobs.add_metric([queue, state], value)
        yield depth
        yield jobs
        yield GaugeMetricFamily("sspkg_workers_alive", "RQ workers registered and alive", value=snap.workers)
        for name, help_text in (("bytes_stored", "Bytes of packages stored"),
                                ("packages_stored", "Packages stored"),
                                ("fixity_checks", "Fixity checks run"),
                                ("fixity_failures", "Fixity checks that found damage")):
            yield CounterMetricFamily(f"sspkg_{name}", help_text, value=snap.counters.get(name, 0))
        histogram = HistogramMetricFamily("sspkg_job_duration_seconds", "Job run time by operation",
                                          labels=["operation"])
        for operation, values in sorted(snap.durations.items()):
            buckets = [("+Inf" if bound == float("inf") else str(bound), values.get(str(bound), 0.0))
                       for bound in telemetry.DURATION_BUCKETS]
            histogram.add_metric([operation], buckets, sum_value=values.get("sum", 0.0))
        yield histogram


def metrics():
    """Prometheus metrics; authenticated unless SS_METRICS_OPEN is set."""
    if not current_app.config["SETTINGS"].SS_METRICS_OPEN:
        authenticate_request()
    registry = CollectorRegistry()
    registry.register(RedisCollector(redis_store.connection(), redis_store.settings().SS_REDIS_PREFIX))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")


def healthz():
    """Redis reachable and workers alive: 200, else 503. Reveals no configuration."""
    try:
        redis_store.connection().ping()
        workers = Worker.count(connection=redis_store.connection())
    except Exception:  # noqa: BLE001 - any failure to reach Redis is "unhealthy"
        return jsonify({"status": "unavailable", "redis": "unreachable", "workers": None}), 503
    healthy = workers > 0
    body = {"status": "ok" if healthy else "degraded", "redis": "ok", "workers": workers}
    return jsonify(body), 200 if healthy else 503


def no_static_files(filename: str):
    """The app serves no static files of its own (the endpoint exists for rq-dashboard's links)."""
    authenticate_request()
    raise NotFound(f"no file {filename}")
