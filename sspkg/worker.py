"""Run an RQ worker on the service's queues with the service's settings."""

from __future__ import annotations

import logging

from rq import Worker
from rq.serializers import JSONSerializer

from config import Settings
from sspkg.connection import worker_connection
from sspkg.queues import get_queue

logger = logging.getLogger(__name__)


def run_worker(settings: Settings, queue_names: list[str] | None = None, burst: bool = False) -> bool:
    """Work jobs from `queue_names` (default: SS_QUEUES) until stopped (or drained, if burst)."""
    connection = worker_connection(settings)
    queues = [get_queue(connection, name) for name in (queue_names or settings.queue_names)]
    worker = Worker(queues, connection=connection, serializer=JSONSerializer)
    logger.info("worker %s on queues %s", worker.name, ", ".join(q.name for q in queues))
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
