"""What every job needs: settings, the catalogue on the job's connection, progress reports."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from rq import get_current_job
from rq.job import Job

from config import Settings, load_settings
from sspkg import telemetry
from sspkg.catalogue import Catalogue
from sspkg.exceptions import PermanentJobError

logger = logging.getLogger(__name__)


@dataclass
class JobContext:
    """The running job with its settings and catalogue."""

    job: Job
    settings: Settings

    @classmethod
    def current(cls) -> "JobContext":
        """Context of the job this worker is running; counts this attempt in ``meta``."""
        job = get_current_job()
        job.meta["attempt"] = int(job.meta.get("attempt", 0)) + 1
        job.meta.pop("error", None)
        job.save_meta()
        return cls(job=job, settings=load_settings())

    @cached_property
    def catalogue(self) -> Catalogue:
        """The catalogue on the job's own Redis connection."""
        return Catalogue(self.job.connection, self.settings.SS_REDIS_PREFIX)

    def report(self, stage: str, bytes_done: int, bytes_total: int) -> None:
        """Publish progress in ``job.meta['progress']`` (callers throttle)."""
        percent = round(100.0 * bytes_done / bytes_total, 1) if bytes_total else None
        self.job.meta["progress"] = {"stage": stage, "bytes_done": bytes_done,
                                     "bytes_total": bytes_total, "percent": percent,
                                     "updated_at": time.time()}
        self.job.save_meta()

    def record_error(self, error: Exception, permanent: bool) -> None:
        """Keep the error's type and message in ``job.meta['error']`` for job documents."""
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        self.job.meta["error"] = {"type": type(error).__name__, "message": message,
                                  "permanent": permanent}
        self.job.save_meta()

    def observe(self, seconds: float) -> None:
        """Record the job's duration for /metrics and log its end with the fixed fields."""
        operation = self.job.meta.get("operation", "unknown")
        telemetry.observe_duration(self.job.connection, self.settings.SS_REDIS_PREFIX, operation, seconds)
        logger.info("job finished", extra={"duration_s": round(seconds, 3)})

    def count(self, name: str, amount: int = 1) -> None:
        """Add to a service counter (see sspkg.telemetry)."""
        telemetry.count(self.job.connection, self.settings.SS_REDIS_PREFIX, name, amount)

    def give_up(self) -> None:
        """Spend the remaining retries: the error at hand is permanent."""
        self.job.retries_left = 0

    @property
    def will_retry(self) -> bool:
        """Whether RQ will run this job again if it fails now."""
        return bool(self.job.retries_left)


def run_job(work: Callable[[JobContext], dict],
            on_final_failure: Callable[[JobContext, str], None]) -> dict:
    """Run `work` in the current job's context with the service's failure policy.

    A PermanentJobError spends the retries at once; another error is retried
    while retries are left. `on_final_failure` runs (with the reason) only when
    no further attempt will follow, so the catalogue records a failure once.
    """
    context = JobContext.current()
    started = time.monotonic()
    try:
        result = work(context)
        context.observe(time.monotonic() - started)
        return result
    except PermanentJobError as error:
        context.give_up()
        context.record_error(error, permanent=True)
        on_final_failure(context, error.message)
        raise
    except Exception as error:
        context.record_error(error, permanent=False)
        if context.will_retry:
            logger.warning("job %s failed, will retry: %s", context.job.id, error)
        else:
            on_final_failure(context, f"{type(error).__name__}: {error}")
        raise
