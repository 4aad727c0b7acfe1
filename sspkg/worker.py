"""Run an RQ worker on the service's queues with the service's settings."""

from __future__ import annotations

import importlib
import logging

from rq import Worker
from rq.serializers import JSONSerializer

from config import Settings
from sspkg.connection import worker_connection
from sspkg.queues import OPERATIONS, get_queue

logger = logging.getLogger(__name__)


def preload_jobs() -> None:
    """Import every job module before forking work-horses, so no job pays for the imports."""
    for function, _ in OPERATIONS.values():
        importlib.import_module(function.rsplit(".", 1)[0])


def run_worker(settings: Settings, queue_names: list[str] | None = None, burst: bool = False) -> bool:
    """Work jobs from `queue_names` (default: SS_QUEUES) until stopped (or drained, if burst)."""
    preload_jobs()
    connection = worker_connection(settings)
    queues = [get_queue(connection, name) for name in (queue_names or settings.queue_names)]
    worker = Worker(queues, connection=connection, serializer=JSONSerializer)
    logger.info("worker %s on queues %s", worker.name, ", ".join(q.name for q in queues))
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
