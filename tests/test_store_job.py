"""The RQ store job: retries for transient errors, none for permanent ones (SimpleWorker, fakeredis)."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from sspkg import packages, queues, storing
from sspkg.constants import PackageStatus
from tests.bags import make_bag
from tests.helpers import store_body


@pytest.fixture
def async_app(app):
    app.config["QUEUE_ASYNC"] = True
    return app


def _worker(fake_redis):
    return SimpleWorker([queues.get_queue(fake_redis, queues.STORE_QUEUE)], connection=fake_redis,
                        serializer=JSONSerializer)


def _submit(async_app, headers, storage, package_uuid, name):
    make_bag(storage / "cp" / name, files=3)
    client = async_app.test_client()
    response = client.post("/api/v2/file/async/", json=store_body(client, headers, package_uuid, name),
                           headers=headers)
    assert response.status_code == 202
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_transient_error_is_retried_then_fails_the_package(async_app, admin_headers, storage,
                                                          fake_redis, catalogue, new_uuid, monkeypatch):
    package_uuid = new_uuid()
    job_id = _submit(async_app, admin_headers, storage, package_uuid, "flaky")
    monkeypatch.setattr(storing, "_stage_and_place",
                        lambda *a: (_ for _ in ()).throw(OSError(5, "Input/output error")))

    _worker(fake_redis).work(burst=True)
    job = queues.fetch_job(fake_redis, job_id)
    assert job.get_status() in (JobStatus.SCHEDULED, JobStatus.QUEUED)
    assert job.retries_left == async_app.config["SETTINGS"].SS_JOB_RETRIES - 1
    assert packages.get_package(catalogue, package_uuid).status == PackageStatus.STAGING.value

    job.retries_left = 0
    job.save()
    queues.get_queue(fake_redis, queues.STORE_QUEUE).enqueue_job(job)
    _worker(fake_redis).work(burst=True)

    assert queues.fetch_job(fake_redis, job_id).get_status() == JobStatus.FAILED
    package = packages.get_package(catalogue, package_uuid)
    assert package.status == PackageStatus.FAIL.value
    assert "Input/output error" in package.error


def test_permanent_error_fails_at_once(async_app, admin_headers, storage, fake_redis, catalogue,
                                       new_uuid):
    package_uuid = new_uuid()
    job_id = _submit(async_app, admin_headers, storage, package_uuid, "tampered")
    (storage / "cp" / "tampered" / "bagit.txt").write_text("BagIt-Version: 0.97\nnonsense\n")

    _worker(fake_redis).work(burst=True)

    job = queues.fetch_job(fake_redis, job_id)
    assert job.get_status() == JobStatus.FAILED
    assert job.meta["error"]["permanent"] is True
    assert packages.get_package(catalogue, package_uuid).status == PackageStatus.FAIL.value


def test_progress_reaches_job_meta(async_app, admin_headers, storage, fake_redis, new_uuid):
    job_id = _submit(async_app, admin_headers, storage, new_uuid(), "watched")
    _worker(fake_redis).work(burst=True)
    progress = queues.fetch_job(fake_redis, job_id).meta["progress"]
    assert progress["bytes_done"] == progress["bytes_total"] > 0
    assert progress["percent"] == 100.0


def test_job_timeout_grows_with_size(app):
    settings = app.config["SETTINGS"]
    small = queues.size_timeout(settings, 1 << 20)
    large = queues.size_timeout(settings, 100 << 30)
    assert settings.SS_JOB_TIMEOUT_MIN <= small < large
    assert queues.size_timeout(settings, None) == settings.SS_JOB_TIMEOUT_UNKNOWN_SIZE
