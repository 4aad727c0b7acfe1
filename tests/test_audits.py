"""Scheduled fixity audits: oldest check first, within the period, within the worker share."""

from __future__ import annotations

import time

import pytest
from rq import Worker

from sspkg import audits, fixity, queues
from sspkg.redis_server import free_port
from tests.bags import make_bag
from tests.helpers import run_queued_jobs, store_body


@pytest.fixture
def stored(client, admin_headers, storage, new_uuid):
    def store(name: str) -> str:
        make_bag(storage / "cp" / name, files=3)
        package_uuid = new_uuid()
        response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, name),
                               headers=admin_headers)
        assert response.status_code == 201
        return package_uuid
    return store


def _checked(catalogue, package_uuid: str, days_ago: float) -> None:
    catalogue.connection.zadd(f"{catalogue.prefix}:fixity:last", {package_uuid: time.time() - days_ago * 86400})


def test_due_oldest_check_first_recent_ones_skipped(app, catalogue, stored):
    never, old, older, recent = (stored(n) for n in ("never", "old", "older", "recent"))
    _checked(catalogue, old, 40)
    _checked(catalogue, older, 90)
    _checked(catalogue, recent, 2)
    assert audits.due(catalogue, app.config["SETTINGS"]) == [never, older, old]


def _workers(connection, count: int) -> list[Worker]:
    workers = [Worker([queues.get_queue(connection, "store")], connection=connection, name=f"w{i}")
               for i in range(count)]
    for worker in workers:
        worker.register_birth()
    return workers


def test_audits_respect_the_worker_share(app, catalogue, stored, fake_redis):
    for name in ("a", "b", "c", "d", "e"):
        stored(name)
    _workers(fake_redis, 4)
    settings = app.config["SETTINGS"]
    first = audits.schedule(catalogue, settings)
    assert len(first) == 2, "half of 4 workers"
    assert audits.schedule(catalogue, settings) == [], "the share is taken by queued audits"
    assert queues.get_queue(fake_redis, "audit").count == 2


def test_audit_records_history_and_reports_damage(app, catalogue, stored, fake_redis, storage, monkeypatch):
    package_uuid = stored("damaged")
    stored_path = next((storage / "as").rglob("damaged"))
    (stored_path / "data" / "intruder.txt").write_text("x")
    hook = f"http://127.0.0.1:{free_port()}/fixity"  # nothing listens: delivery is retried later
    _workers(fake_redis, 1)
    audits.schedule(catalogue, app.config["SETTINGS"])
    monkeypatch.setenv("SS_POST_FIXITY_CALLBACK_URL", hook)
    run_queued_jobs(fake_redis)
    history = fixity.history(catalogue, package_uuid)
    assert history and history[0]["success"] is False
    assert int(fake_redis.get("ss:metrics:fixity_failures")) == 1
    callbacks = [j for j in fake_redis.keys("rq:job:callback-audit-*")]
    assert callbacks, "the damage was sent to the post-fixity callback"
