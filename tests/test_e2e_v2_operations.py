"""Every v2 operation's happy path through gunicorn, real RQ workers and a real Redis."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

import pytest

from tests.bags import make_bag, tree_files
from tests.servers import Service

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(redis_server, tmp_path_factory):
    import redis

    redis.Redis.from_url(redis_server.url).flushall()
    running = Service(redis_server.url, tmp_path_factory.mktemp("ops") / "var", workers=2).start()
    yield running
    running.stop()
    redis.Redis.from_url(redis_server.url).flushall()


@pytest.fixture(scope="module")
def replicated_as(service):
    space = service.post("/api/v2/space/", json={"path": str(service.data_dir / "space2")}).json()
    rp = service.post("/api/v2/location/", json={"space": space["resource_uri"], "purpose": "RP",
                                                 "relative_path": "rp"}).json()
    return service.post("/api/v2/location/", json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "as2",
        "replicators": [rp["resource_uri"]]}).json()


@pytest.fixture(scope="module")
def pipeline(service):
    value = str(uuid.uuid4())
    assert service.post("/api/v2/pipeline/", json={"uuid": value, "create_default_locations": True}).status_code == 201
    return value


def _store(service, name, location="/api/v2/location/default/AS/"):
    origin = make_bag(service.data_dir / "storage" / "cp" / name, files=15)
    files = tree_files(origin)
    body = {"uuid": str(uuid.uuid4()), "package_type": "AIP", "origin_location": service.location_uri("CP"),
            "origin_path": name, "current_location": location, "current_path": name}
    response = service.post("/api/v2/file/", json=body)
    assert response.status_code == 201, response.text
    return response.json(), files


def _until(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError


def test_fixity_through_the_worker(service):
    package, _ = _store(service, "fixity-e2e")
    report = service.get(f"/api/v2/file/{package['uuid']}/check_fixity/").json()
    assert report["success"] is True
    victim = sorted(Path(package["current_full_path"]).joinpath("data").rglob("*.dat"))[0]
    victim.write_bytes(b"rot")
    report = service.get(f"/api/v2/file/{package['uuid']}/check_fixity/").json()
    assert report["success"] is False
    assert report["failures"]["files"]["changed"]


def test_extract_contents_and_browse(service):
    package, files = _store(service, "read-e2e")
    wanted = next(p for p in files if p.startswith("data/"))
    extracted = service.get(f"/api/v2/file/{package['uuid']}/extract_file/",
                            params={"relative_path_to_file": wanted})
    assert extracted.content == files[wanted]
    contents = service.get(f"/api/v2/file/{package['uuid']}/contents/").json()
    assert {f["path"] for f in contents["files"]} == set(files)
    cp_uuid = service.location_uri("CP").rstrip("/").rsplit("/", 1)[-1]
    listing = service.get(f"/api/v2/location/{cp_uuid}/browse/").json()
    assert base64.b64encode(b"read-e2e").decode() in listing["directories"]


def test_move_through_the_worker(service, replicated_as):
    package, files = _store(service, "move-e2e")
    response = service.post(f"/api/v2/file/{package['uuid']}/move/", data={"location_uuid": replicated_as["uuid"]})
    assert response.status_code == 202
    assert service.wait_async(response.headers["Location"])["was_error"] is False
    moved = service.get(f"/api/v2/file/{package['uuid']}/").json()
    assert moved["status"] == "UPLOADED" and moved["current_location"] == replicated_as["resource_uri"]
    assert tree_files(Path(moved["current_full_path"])) == files
    assert not Path(package["current_full_path"]).exists()


def test_delete_through_the_worker(service, pipeline):
    package, _ = _store(service, "delete-e2e")
    request = service.post(f"/api/v2/file/{package['uuid']}/delete_aip/", json={
        "event_reason": "test", "pipeline": pipeline, "user_id": 1, "user_email": "a@example.org"})
    assert request.status_code == 202
    review = service.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/",
                          json={"event_id": request.json()["id"], "decision": "approve", "reason": "ok"})
    assert review.status_code == 202
    assert service.wait_async(review.headers["Location"])["was_error"] is False
    assert service.get(f"/api/v2/file/{package['uuid']}/").json()["status"] == "DELETED"
    assert not Path(package["current_full_path"]).exists()


def test_replication_and_recovery_through_the_worker(service, replicated_as, pipeline):
    package, files = _store(service, "recover-e2e", location=replicated_as["resource_uri"])
    replicas = _until(lambda: service.get(f"/api/v2/file/{package['uuid']}/").json()["replicas"])
    replica = service.get(replicas[0]).json()
    assert replica["checksum"] == package["checksum"]
    assert tree_files(Path(replica["current_full_path"])) == files

    stored = Path(package["current_full_path"])
    sorted((stored / "data").rglob("*.dat"))[0].unlink()
    request = service.post(f"/api/v2/file/{package['uuid']}/recover_aip/", json={
        "event_reason": "damaged", "pipeline": pipeline, "user_id": 1, "user_email": "a@example.org"})
    review = service.post(f"/api/v2/file/{package['uuid']}/review_aip_recovery/",
                          json={"event_id": request.json()["id"], "decision": "approve"})
    assert service.wait_async(review.headers["Location"])["was_error"] is False
    assert service.get(f"/api/v2/file/{package['uuid']}/").json()["status"] == "UPLOADED"
    assert tree_files(stored) == files


def test_location_file_move_through_the_worker(service):
    make_bag(service.data_dir / "storage" / "ts" / "transfer-e2e", files=5)
    cp = service.location_uri("CP")
    body = {"origin_location": service.location_uri("TS"),
            "files": [{"source": "transfer-e2e", "destination": "moved/transfer-e2e"}]}
    assert service.post(cp, json=body).json() == {"error": None, "message": "Files moved successfully"}
    response = service.post(cp + "async/", json={**body, "files": [
        {"source": "transfer-e2e", "destination": "moved-async/transfer-e2e"}]})
    assert service.wait_async(response.headers["Location"])["was_error"] is False
    for target in ("moved", "moved-async"):
        assert tree_files(service.data_dir / "storage" / "cp" / target / "transfer-e2e") == \
            tree_files(service.data_dir / "storage" / "ts" / "transfer-e2e")
