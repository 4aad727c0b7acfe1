"""Structured logs: one JSON object per line, with fixed fields for jobs.

Every record has ``time``, ``level``, ``logger``, ``message``; a record made
while a job runs also has ``job_id``, ``operation``, ``package`` and
``attempt``, and a job's end adds ``duration_s`` (see the README's table).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

JOB_FIELDS = ("job_id", "operation", "package", "attempt", "duration_s")


class JobFields(logging.Filter):
    """Adds the running job's fields to every record (nothing outside a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from rq import get_current_job

        try:
            job = get_current_job()
        except Exception:  # noqa: BLE001 - no job context (web, supervisor)
            job = None
        if job is not None:
            record.job_id = getattr(record, "job_id", job.id)
            record.operation = getattr(record, "operation", job.meta.get("operation"))
            record.package = getattr(record, "package", job.meta.get("package"))
            record.attempt = getattr(record, "attempt", job.meta.get("attempt"))
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for name in JOB_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Log to stderr, as JSON lines (`fmt="json"`) or as plain text."""
    handler = logging.StreamHandler()
    handler.addFilter(JobFields())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
