"""Worker deaths: a killed worker's job is finished by another; crashes at the worst moments converge;
SIGTERM lets the job finish; a killed worker process is replaced."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import bagit
import pytest
import redis

from tests.bags import make_bag, tree_files
from tests.faults.conftest import (
    kill_whole_worker,
    package_status,
    running_worker,
    store_body,
    wait_until,
)

pytestmark = pytest.mark.e2e


def test_killed_worker_job_is_completed_by_another_within_30s(start_service, own_redis):
    service = start_service(workers=2)
    connection = redis.Redis.from_url(own_redis.url)
    origin = make_bag(service.data_dir / "storage" / "cp" / "victim", files=50, big_bytes=800 << 20)
    expected = tree_files(origin)
    body = store_body(service, "victim")
    location = service.post("/api/v2/file/async/", json=body).headers["Location"]
    job_id = location.rstrip("/").rsplit("/", 1)[-1]

    def copying():
        progress = connection.hget(f"rq:job:{job_id}", "meta")
        return running_worker(connection, job_id) if progress and b"bytes_done" in progress else None

    pid, horses = wait_until(copying, timeout=60, interval=0.02)
    kill_whole_worker(pid, horses)
    killed_at = time.monotonic()

    document = service.wait_async(location, timeout=90)
    recovered_in = time.monotonic() - killed_at
    assert document["was_error"] is False, document
    assert recovered_in < 30 + 10, f"recovery took {recovered_in:.1f} s"
    package = service.get(f"/api/v2/file/{body['uuid']}/").json()
    final = Path(package["current_full_path"])
    assert tree_files(final) == expected
    assert bagit.Bag(str(final)).is_valid(fast=True)
    report = service.get(f"/api/v2/file/{body['uuid']}/check_fixity/").json()
    assert report["success"] is True
    stored = [p for p in (service.data_dir / "storage" / "as").rglob("victim")]
    assert stored == [final], "the package is stored exactly once"
    assert not (service.data_dir / "storage" / "as" / ".sspkg-staging" / body["uuid"]).exists()


@pytest.mark.parametrize("point", ["store:after_rename"])
def test_crash_after_rename_before_record_converges(start_service, tmp_path, point):
    service = start_service(workers=2, env={"SS_FAULT_POINT": point,
                                            "SS_FAULT_MARKER": str(tmp_path / "fired"),
                                            "SS_JOB_RETRY_INTERVALS": "1,1,1"})
    origin = make_bag(service.data_dir / "storage" / "cp" / "edge", files=20)
    expected = tree_files(origin)
    body = store_body(service, "edge")
    location = service.post("/api/v2/file/async/", json=body).headers["Location"]

    document = service.wait_async(location, timeout=90)

    assert (tmp_path / "fired").exists(), "the fault was not injected"
    assert document["was_error"] is False, document
    package = service.get(f"/api/v2/file/{body['uuid']}/").json()
    assert package["status"] == "UPLOADED"
    assert tree_files(Path(package["current_full_path"])) == expected
    assert service.get(f"/api/v2/file/{body['uuid']}/check_fixity/").json()["success"] is True


def test_crash_at_start_of_move_converges(start_service, tmp_path):
    service = start_service(workers=2, env={"SS_FAULT_POINT": "move:start",
                                            "SS_FAULT_MARKER": str(tmp_path / "fired"),
                                            "SS_JOB_RETRY_INTERVALS": "1,1,1"})
    make_bag(service.data_dir / "storage" / "cp" / "mover", files=20)
    body = store_body(service, "mover")
    package = service.post("/api/v2/file/", json=body).json()
    files = tree_files(Path(package["current_full_path"]))
    space = service.post("/api/v2/space/", json={"path": str(service.data_dir / "space2")}).json()
    target = service.post("/api/v2/location/", json={"space": space["resource_uri"], "purpose": "AS",
                                                      "relative_path": "aips"}).json()

    response = service.post(f"/api/v2/file/{body['uuid']}/move/", data={"location_uuid": target["uuid"]})
    document = service.wait_async(response.headers["Location"], timeout=90)

    assert (tmp_path / "fired").exists()
    assert document["was_error"] is False, document
    moved = service.get(f"/api/v2/file/{body['uuid']}/").json()
    assert moved["status"] == "UPLOADED" and moved["current_location"] == target["resource_uri"]
    assert tree_files(Path(moved["current_full_path"])) == files
    assert not Path(package["current_full_path"]).exists()


def test_sigterm_lets_the_running_job_finish(start_service, own_redis):
    service = start_service(workers=1)
    connection = redis.Redis.from_url(own_redis.url)
    make_bag(service.data_dir / "storage" / "cp" / "graceful", files=20, big_bytes=600 << 20)
    body = store_body(service, "graceful")
    location = service.post("/api/v2/file/async/", json=body).headers["Location"]
    job_id = location.rstrip("/").rsplit("/", 1)[-1]
    wait_until(lambda: running_worker(connection, job_id), timeout=60, interval=0.02)

    keeper = service.workers[0]
    os.killpg(keeper.pid, signal.SIGTERM)

    assert service.wait_async(location, timeout=60)["was_error"] is False
    assert package_status(service, body["uuid"]) == "UPLOADED"
    keeper.wait(30)


def test_killed_worker_process_is_replaced(start_service, own_redis):
    service = start_service(workers=1)
    connection = redis.Redis.from_url(own_redis.url)
    (name,) = wait_until(lambda: connection.smembers("rq:workers"), timeout=30)
    pid = int(connection.hget(name, "pid"))
    os.kill(pid, signal.SIGKILL)

    def replaced():
        names = [n.decode() for n in connection.smembers("rq:workers")]
        pids = {int(connection.hget(n, "pid") or 0) for n in names}
        return pids - {pid, 0}

    wait_until(replaced, timeout=30)
    assert service.workers[0].poll() is None, "the keeper stays up"
    make_bag(service.data_dir / "storage" / "cp" / "after", files=5)
    body = store_body(service, "after")
    assert service.post("/api/v2/file/", json=body).status_code == 201
