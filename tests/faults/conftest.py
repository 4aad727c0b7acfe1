"""Fault tests: a Redis of their own (restartable), the service's processes, helpers to kill."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
import redis

from sspkg.redis_server import RedisServer
from tests.servers import Service, child_pids

FAST_RETRIES = {"SS_JOB_RETRY_INTERVALS": "1,1,1"}


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server with its append-only file, for this test alone."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def start_service(own_redis, tmp_path):
    """Start the service's processes (web, kept workers, supervisor) on the test's Redis."""
    started = []

    def start(workers: int = 2, env: dict | None = None) -> Service:
        service = Service(own_redis.url, tmp_path / "var", workers=workers, env=env).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def store_body(service: Service, name: str, **extra) -> dict:
    """A store request for a bag in the CP location."""
    return {"uuid": str(uuid.uuid4()), "package_type": "AIP", "origin_location": service.location_uri("CP"),
            "origin_path": name, "current_location": "/api/v2/location/default/AS/", "current_path": name,
            **extra}


def wait_until(predicate, timeout: float, interval: float = 0.1):
    """The first truthy value of `predicate()`, or TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout} s")


def running_worker(connection: redis.Redis, job_id: str) -> tuple[int, list[int]] | None:
    """(pid of the RQ worker running `job_id`, pids of its work-horses), once it runs."""
    worker_name = connection.hget(f"rq:job:{job_id}", "worker_name")
    if not worker_name:
        return None
    pid = connection.hget(f"rq:worker:{worker_name.decode()}", "pid")
    if not pid:
        return None
    return int(pid), child_pids(int(pid))


def kill_whole_worker(pid: int, horses: list[int]) -> None:
    """SIGKILL an RQ worker and its work-horses, as a host failure would."""
    for target in [pid, *horses]:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass


def package_status(service: Service, package_uuid: str) -> str:
    return service.get(f"/api/v2/file/{package_uuid}/").json()["status"]
