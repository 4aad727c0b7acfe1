"""The supervisor's reconciliation, lock and staging sweep (fakeredis, jobs not run)."""

from __future__ import annotations

import os
import time

import pytest

from sspkg import locations, packages, queues
from sspkg.constants import PackageStatus
from sspkg.supervisor import Supervisor
from tests.bags import make_bag


@pytest.fixture
def supervisor(app, fake_redis):
    return Supervisor(fake_redis, app.config["SETTINGS"])


@pytest.fixture
def pending(app, catalogue, storage, new_uuid):
    """A PENDING package recorded as a client's request would, but with no job queued."""
    def make(name: str, age_s: float = 3600):
        make_bag(storage / "cp" / name, files=2)
        request = packages.StoreRequest(
            uuid=new_uuid(), package_type="AIP", origin_path=name,
            origin_location=locations.default_location(catalogue, "CP").uuid,
            current_location=locations.default_location(catalogue, "AS").uuid)
        package = packages.submit_store(catalogue, packages.build_package(catalogue, request)).package
        old = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - age_s))
        catalogue.update("package", package.uuid, {"updated": old})
        return package
    return make


def test_lost_store_is_requeued(supervisor, pending, fake_redis):
    package = pending("lost")
    assert queues.fetch_job(fake_redis, package.job_id) is None
    report = supervisor.round()
    assert report.requeued == [package.job_id]
    assert queues.fetch_job(fake_redis, package.job_id).get_status().value == "queued"
    assert supervisor.round().requeued == []


def test_fresh_package_is_left_alone(supervisor, pending):
    pending("fresh", age_s=0)
    assert supervisor.round().requeued == []


def test_failed_job_fails_the_package_with_its_reason(supervisor, pending, fake_redis, catalogue, app):
    package = pending("doomed")
    job = queues.enqueue_store(fake_redis, app.config["SETTINGS"], package)
    job.meta["error"] = {"type": "OSError", "message": "disk on fire", "permanent": False}
    job.save_meta()
    job.set_status("failed")
    report = supervisor.round()
    assert report.failed == [package.job_id]
    failed = packages.get_package(catalogue, package.uuid)
    assert failed.status == PackageStatus.FAIL.value and "disk on fire" in failed.error
    assert package.uuid not in packages.in_flight(catalogue)


def test_only_one_supervisor_acts(app, fake_redis):
    first, second = Supervisor(fake_redis, app.config["SETTINGS"]), Supervisor(fake_redis, app.config["SETTINGS"])
    assert first.acquire() and not second.acquire()
    assert first.acquire(), "the holder renews its lock"
    fake_redis.delete(first.lock_key)
    assert second.acquire()


def test_orphan_staging_swept_but_busy_and_fresh_kept(supervisor, pending, storage):
    staging = storage / "as" / ".sspkg-staging"
    busy = pending("busy")
    for name in ("orphan", busy.uuid, "fresh"):
        (staging / name / "store").mkdir(parents=True)
    old = time.time() - 7200
    for name in ("orphan", busy.uuid):
        os.utime(staging / name, (old, old))
    report = supervisor.round()
    assert report.orphans_removed == [str(staging / "orphan")]
    assert (staging / busy.uuid).exists() and (staging / "fresh").exists()


def _stranded_job(app, fake_redis, pending):
    package = pending("stranded")
    job = queues.enqueue_store(fake_redis, app.config["SETTINGS"], package)
    fake_redis.lrem("rq:queue:store", 0, job.id)
    job.enqueued_at = job.enqueued_at.replace(year=2020)
    job.save()
    fake_redis.srem("ss:inflight", package.uuid)  # leave it to the stranded-job check alone
    return job


def test_job_taken_by_a_worker_is_not_requeued(app, supervisor, pending, fake_redis, monkeypatch):
    monkeypatch.setattr("sspkg.supervisor.STRANDED_EVERY", 1)
    job = _stranded_job(app, fake_redis, pending)
    fake_redis.zadd("rq:wip:store", {f"{job.id}:execution": time.time() + 60})
    for _ in range(3):
        assert supervisor.round().requeued == []
    assert fake_redis.lrange("rq:queue:store", 0, -1) == []


def test_stranded_job_requeued_once_after_two_rounds(app, supervisor, pending, fake_redis, monkeypatch):
    monkeypatch.setattr("sspkg.supervisor.STRANDED_EVERY", 1)
    job = _stranded_job(app, fake_redis, pending)
    assert supervisor.round().requeued == [], "first sighting only"
    assert supervisor.round().requeued == [job.id]
    assert supervisor.round().requeued == []
    assert fake_redis.lrange("rq:queue:store", 0, -1) == [job.id.encode()]
