"""Disk faults: a full filesystem, a read-only destination, an origin removed mid-copy, corrupt data.
Each fails the job with a clear error, the package FAIL with the reason, nothing partial left."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis

from tests.bags import make_bag
from tests.faults.conftest import FAST_RETRIES, running_worker, store_body, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def small_fs(tmp_path):
    """A 40 MiB tmpfs, unmounted after the test."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _as_location_on(service, path) -> str:
    space = service.post("/api/v2/space/", json={"path": str(path)}).json()
    location = service.post("/api/v2/location/", json={"space": space["resource_uri"], "purpose": "AS",
                                                        "relative_path": "aips"}).json()
    return location["resource_uri"]


def _files_under(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def _store_and_wait(service, body):
    location = service.post("/api/v3/packages", json=body).headers["Location"]
    return wait_until(lambda: (d := service.get(location).json())["status"] in ("finished", "failed") and d,
                      timeout=90)


def test_filesystem_that_fills_up(start_service, small_fs):
    service = start_service(workers=1, env=FAST_RETRIES)
    destination = _as_location_on(service, small_fs)
    make_bag(service.data_dir / "storage" / "cp" / "too-big", files=5, big_bytes=64 << 20)
    body = store_body(service, "too-big", current_location=destination)

    job = _store_and_wait(service, body)

    assert job["status"] == "failed"
    assert "No space left on device" in job["error"]["message"]
    assert job["attempt"] == job["max_attempts"], "a full disk is retried before giving up"
    package = service.get(f"/api/v2/file/{body['uuid']}/").json()
    assert package["status"] == "FAIL"
    assert _files_under(small_fs) == []


def test_read_only_destination(start_service, small_fs):
    service = start_service(workers=1, env=FAST_RETRIES)
    destination = _as_location_on(service, small_fs)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    make_bag(service.data_dir / "storage" / "cp" / "ro", files=5)
    body = store_body(service, "ro", current_location=destination)

    job = _store_and_wait(service, body)

    assert job["status"] == "failed"
    assert "Read-only file system" in job["error"]["message"]
    assert service.get(f"/api/v2/file/{body['uuid']}/").json()["status"] == "FAIL"
    assert _files_under(small_fs) == []


def test_origin_removed_mid_copy(start_service, own_redis):
    service = start_service(workers=1, env=FAST_RETRIES)
    connection = redis.Redis.from_url(own_redis.url)
    origin = make_bag(service.data_dir / "storage" / "cp" / "vanishing", files=400, big_bytes=300 << 20)
    body = store_body(service, "vanishing")
    location = service.post("/api/v3/packages", json=body).headers["Location"]
    job_id = location.rsplit("/", 1)[-1]
    wait_until(lambda: running_worker(connection, job_id), timeout=60, interval=0.01)
    shutil.rmtree(origin)

    job = wait_until(lambda: (d := service.get(location).json())["status"] in ("finished", "failed") and d,
                     timeout=90)

    assert job["status"] == "failed"
    assert "origin_path no longer exists" in job["error"]["message"] or "No such file" in job["error"]["message"]
    assert service.get(f"/api/v2/file/{body['uuid']}/").json()["status"] == "FAIL"
    as_dir = service.data_dir / "storage" / "as"
    assert _files_under(as_dir) == []


def test_corrupt_data_fails_with_checksum_mismatch(start_service):
    service = start_service(workers=1, env=FAST_RETRIES)
    origin = make_bag(service.data_dir / "storage" / "cp" / "rotten", files=10)
    victim = sorted((origin / "data").rglob("*.dat"))[0]
    data = bytearray(victim.read_bytes())
    data[0] ^= 0xFF
    victim.write_bytes(bytes(data))
    body = store_body(service, "rotten")

    job = _store_and_wait(service, body)

    assert job["status"] == "failed"
    assert job["error"]["type"] == "PackageInvalid"
    assert "sha256" in job["error"]["message"] and victim.name in job["error"]["message"]
    assert job["attempt"] == 1, "bad data is not retried"
    assert _files_under(service.data_dir / "storage" / "as") == []
