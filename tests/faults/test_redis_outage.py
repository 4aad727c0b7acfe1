"""Redis outages: 503 within 2 s while it is away, service back without restarts, no accepted job lost."""

from __future__ import annotations

import time

import pytest
import requests

from tests.bags import make_bag
from tests.faults.conftest import store_body, wait_until

pytestmark = pytest.mark.e2e


def test_api_answers_503_fast_and_recovers(start_service, own_redis):
    service = start_service(workers=1)
    own_redis.stop()
    try:
        for path in ("/api/v2/file/", "/api/v3/jobs", "/api/v2/location/"):
            started = time.monotonic()
            response = requests.get(service.url + path, headers=service.headers, timeout=10)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert response.json()["error"] is True
            assert elapsed < 2.0, f"{path} took {elapsed:.2f} s"
    finally:
        own_redis.start()
    def serving():
        try:
            return requests.get(service.url + "/api/v2/file/", headers=service.headers, timeout=10).ok
        except requests.RequestException:
            return False

    wait_until(serving, timeout=60)
    make_bag(service.data_dir / "storage" / "cp" / "after-outage", files=5)
    response = service.post("/api/v2/file/", json=store_body(service, "after-outage"))
    assert response.status_code == 201, "workers reconnected and stored the package"


def test_restart_with_jobs_queued_and_running_loses_none(start_service, own_redis):
    service = start_service(workers=1)
    bodies = []
    for index in range(6):
        make_bag(service.data_dir / "storage" / "cp" / f"bag-{index}", files=10,
                 big_bytes=(200 << 20) if index == 0 else 0)
        body = store_body(service, f"bag-{index}")
        assert service.post("/api/v3/packages", json=body).status_code == 202
        bodies.append(body)
    time.sleep(0.5)  # the first (large) store is running, the others are queued

    own_redis.stop()
    time.sleep(2)
    own_redis.start()

    def all_stored():
        try:
            statuses = [service.get(f"/api/v2/file/{b['uuid']}/").json()["status"] for b in bodies]
        except (requests.RequestException, ValueError):
            return False
        return statuses if all(s == "UPLOADED" for s in statuses) else False

    assert wait_until(all_stored, timeout=120, interval=0.5)
    for body in bodies:
        assert service.get(f"/api/v2/file/{body['uuid']}/check_fixity/").json()["success"] is True
