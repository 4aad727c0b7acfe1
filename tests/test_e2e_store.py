"""End to end: real redis-server, gunicorn and an RQ worker process; a real bag stored via HTTP."""

from __future__ import annotations

import uuid

import bagit
import pytest
import requests

from tests.bags import TRICKY_NAMES, make_bag, tree_files
from tests.helpers import independent_checksum, stored_path
from tests.servers import Service

pytestmark = pytest.mark.e2e


def _store_body(service: Service, package_uuid: str, name: str, **extra) -> dict:
    body = {"uuid": package_uuid, "package_type": "AIP",
            "origin_location": service.location_uri("CP"), "origin_path": name,
            "current_location": "/api/v2/location/default/AS/", "current_path": name,
            "origin_pipeline": None, "related_package_uuid": None, "events": [], "agents": []}
    body.update(extra)
    return body


def test_store_bag_via_async_endpoint(service):
    storage = service.data_dir / "storage"
    origin = make_bag(storage / "cp" / "e2e-bag", files=300, depth=4)
    expected = tree_files(origin)
    assert any(name in str(path) for path in expected for name in TRICKY_NAMES)
    package_uuid = str(uuid.uuid4())

    response = service.post("/api/v2/file/async/", json=_store_body(service, package_uuid, "e2e-bag"))
    assert response.status_code == 202, response.text
    document = service.wait_async(response.headers["Location"])

    assert document["was_error"] is False, document
    final = stored_path(storage, package_uuid, "e2e-bag")
    assert tree_files(final) == expected
    assert bagit.Bag(str(final)).is_valid()
    package = service.get(f"/api/v2/file/{package_uuid}/").json()
    assert package["status"] == "UPLOADED"
    assert package["checksum"] == independent_checksum(final)
    assert package["size"] == sum(len(data) for data in expected.values())
    assert not (storage / "as" / ".sspkg-staging" / package_uuid).exists()


def test_sync_store_waits_for_the_worker(service):
    storage = service.data_dir / "storage"
    make_bag(storage / "cp" / "sync-bag", files=20)
    package_uuid = str(uuid.uuid4())

    response = service.post("/api/v2/file/", json=_store_body(service, package_uuid, "sync-bag"))

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "UPLOADED"
    assert stored_path(storage, package_uuid, "sync-bag").is_dir()


def test_sync_store_past_its_bound_answers_202(redis_server, real_redis, tmp_path):
    service = Service(redis_server.url, tmp_path / "var", workers=0,
                      env={"SS_SYNC_WAIT_SECONDS": "0.5"}).start()
    try:
        storage = service.data_dir / "storage"
        make_bag(storage / "cp" / "slow-bag", files=3)
        package_uuid = str(uuid.uuid4())

        response = service.post("/api/v2/file/", json=_store_body(service, package_uuid, "slow-bag"))
        assert response.status_code == 202
        location = response.headers["Location"]
        assert service.get(location).json()["completed"] is False

        service.start_worker()
        assert service.wait_async(location, timeout=60)["was_error"] is False
        assert service.get(f"/api/v2/file/{package_uuid}/").json()["status"] == "UPLOADED"
    finally:
        service.stop()


def test_invalid_bag_reports_error_in_status_document(service):
    storage = service.data_dir / "storage"
    origin = make_bag(storage / "cp" / "broken", files=5)
    (origin / "data" / "unexpected.txt").write_text("untracked")
    package_uuid = str(uuid.uuid4())

    response = service.post("/api/v2/file/async/", json=_store_body(service, package_uuid, "broken"))
    document = service.wait_async(response.headers["Location"])

    assert document["was_error"] is True
    assert "unexpected.txt" in document["error"]["message"]
    package = service.get(f"/api/v2/file/{package_uuid}/").json()
    assert package["status"] == "FAIL"
    assert not stored_path(storage, package_uuid, "broken").exists()


def test_api_keys_in_query_strings_stay_out_of_the_access_log(service):
    key = service.api_key.split(":", 1)[1]
    response = requests.get(f"{service.url}/api/v2/file/", params={"username": "admin", "api_key": key}, timeout=30)
    assert response.status_code == 200
    service.stop()
    log = (service.log_dir / "web.log").read_text()
    assert "/api/v2/file/" in log, "the request was logged"
    assert key not in log
