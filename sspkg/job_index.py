"""An index of the service's jobs in Redis, for listing them newest first and by package.

RQ keeps each job's data; this index only remembers which ids exist
(``<prefix>:jobs`` and ``<prefix>:package_jobs:<uuid>``, sorted sets scored by
creation time). Ids whose job has expired are dropped when met.
"""

from __future__ import annotations

import time

import redis
from rq.job import Job
from rq.serializers import JSONSerializer

PAGE_SCAN = 200


def _key(prefix: str, package: str | None) -> str:
    return f"{prefix}:package_jobs:{package}" if package else f"{prefix}:jobs"


def add(pipe, prefix: str, job_id: str, package: str | None) -> None:
    """Index a new job (inside the caller's pipeline or on a connection)."""
    score = time.time()
    pipe.zadd(_key(prefix, None), {job_id: score})
    if package:
        pipe.zadd(_key(prefix, package), {job_id: score})


def find(connection: redis.Redis, prefix: str, status: str | None = None, operation: str | None = None,
         package: str | None = None, offset: int = 0, limit: int = 20) -> tuple[list[Job], bool]:
    """A page of jobs matching the filters, newest first; and whether more follow."""
    key = _key(prefix, package)
    matched: list[Job] = []
    start = 0
    while len(matched) < offset + limit + 1:
        ids = [i.decode() for i in connection.zrevrange(key, start, start + PAGE_SCAN - 1)]
        if not ids:
            break
        start += PAGE_SCAN
        jobs = Job.fetch_many(ids, connection=connection, serializer=JSONSerializer)
        expired = [job_id for job_id, job in zip(ids, jobs, strict=True) if job is None]
        if expired:
            connection.zrem(key, *expired)
            start -= len(expired)
        for job in jobs:
            if job is None:
                continue
            if operation and job.meta.get("operation") != operation:
                continue
            if status and job.get_status(refresh=False).value != status:
                continue
            matched.append(job)
    return matched[offset:offset + limit], len(matched) > offset + limit
