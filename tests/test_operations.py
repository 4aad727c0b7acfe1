"""Operations on a real Redis: rq-dashboard behind auth and same-origin, /metrics, /healthz."""

from __future__ import annotations

import base64

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from api import create_app
from sspkg import queues, users
from sspkg.bootstrap import bootstrap
from sspkg.catalogue import Catalogue
from sspkg.constants import Role
from tests.bags import make_bag
from tests.helpers import store_body


@pytest.fixture
def live_app(real_redis, redis_server, tmp_path):
    app = create_app({"REDIS_URL": redis_server.url, "SS_DATA_DIR": str(tmp_path / "var"),
                      "SS_BOOTSTRAP_API_KEY": "admin:admin-key", "SS_SYNC_WAIT_SECONDS": 0.2})
    bootstrap(Catalogue(real_redis), app.config["SETTINGS"])
    return app


def _basic(user: str, key: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


ADMIN = _basic("admin", "admin-key")


def test_dashboard_needs_credentials(live_app):
    response = live_app.test_client().get("/rq/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_dashboard_for_admins_only(live_app, real_redis):
    _, key = users.create_user(Catalogue(real_redis), "clerk", Role.USER)
    client = live_app.test_client()
    assert client.get("/rq/", headers=ADMIN).status_code == 200
    assert client.get("/rq/", headers={"Authorization": "ApiKey admin:admin-key"}).status_code == 200
    assert client.get("/rq/", headers=_basic("clerk", key)).status_code == 403


def _failed_job(real_redis, settings):
    queue = queues.get_queue(real_redis, "default")
    job = queue.enqueue("tests.test_operations.explode", job_id="boom-1")
    SimpleWorker([queue], connection=real_redis, serializer=JSONSerializer).work(burst=True)
    assert job.get_status(refresh=True).value == "failed"
    return job


def explode():
    raise RuntimeError("boom")


def test_cross_site_requeue_refused_same_origin_accepted(live_app, real_redis):
    job = _failed_job(real_redis, live_app.config["SETTINGS"])
    client = live_app.test_client()
    cross = client.post(f"/rq/job/{job.id}/requeue",
                        headers={**ADMIN, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert job.get_status(refresh=True).value == "failed"
    no_proof = client.get("/rq/requeue/default", headers=ADMIN)
    assert no_proof.status_code == 403
    same = client.post(f"/rq/job/{job.id}/requeue", headers={**ADMIN, "Origin": "http://localhost"})
    assert same.status_code == 200
    assert job.get_status(refresh=True).value == "queued"


def test_dashboard_reads_json_serialized_jobs(live_app, real_redis):
    job = _failed_job(real_redis, live_app.config["SETTINGS"])
    response = live_app.test_client().get(f"/rq/0/data/job/{job.id}.json", headers=ADMIN)
    assert response.status_code == 200
    assert "explode" in response.get_json()["description"]


def _metrics(client) -> dict:
    text = client.get("/metrics", headers={"Authorization": "ApiKey admin:admin-key"}).get_data(as_text=True)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_parse_and_move_after_a_store(live_app, real_redis, tmp_path, new_uuid):
    client = live_app.test_client()
    assert client.get("/metrics").status_code == 401
    before = _metrics(client)
    storage = tmp_path / "var" / "storage"
    make_bag(storage / "cp" / "metered", files=4)
    headers = {"Authorization": "ApiKey admin:admin-key"}
    response = client.post("/api/v3/packages", json=store_body(client, headers, new_uuid(), "metered"),
                           headers=headers)
    assert response.status_code == 202
    queued = _metrics(client)
    assert queued[("sspkg_queue_depth", (("queue", "store"),))] == 1
    SimpleWorker([queues.get_queue(real_redis, "store")], connection=real_redis,
                 serializer=JSONSerializer).work(burst=True)
    after = _metrics(client)
    assert after[("sspkg_packages_stored_total", ())] == before.get(("sspkg_packages_stored_total", ()), 0) + 1
    assert after[("sspkg_bytes_stored_total", ())] > 0
    assert after[("sspkg_job_duration_seconds_count", (("operation", "store"),))] == 1
    assert after[("sspkg_jobs", (("queue", "store"), ("state", "finished")))] == 1


def test_healthz_reports_workers_without_auth(live_app, real_redis):
    client = live_app.test_client()
    assert client.get("/healthz").status_code == 503
    worker = Worker([queues.get_queue(real_redis, "default")], connection=real_redis)
    worker.register_birth()
    try:
        body = client.get("/healthz").get_json()
        assert body == {"status": "ok", "redis": "ok", "workers": 1}
    finally:
        worker.register_death()
