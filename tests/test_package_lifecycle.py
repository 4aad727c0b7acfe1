"""Move, deletion, replication and recovery of stored packages (jobs run in-process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.bags import make_bag, tree_files
from tests.helpers import location_uri, run_queued_jobs, store_body


@pytest.fixture
def second_as(client, admin_headers, tmp_path):
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "space2")},
                        headers=admin_headers).get_json()
    rp = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "RP", "relative_path": "replicas"}).get_json()
    location = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "aips2",
        "replicators": [rp["resource_uri"]]}).get_json()
    return location, rp


@pytest.fixture
def store(client, admin_headers, storage, new_uuid, fake_redis):
    def _store(name, **extra):
        origin = make_bag(storage / "cp" / name, files=6)
        package_uuid = new_uuid()
        response = client.post("/api/v2/file/", headers=admin_headers,
                               json=store_body(client, admin_headers, package_uuid, name, **extra))
        assert response.status_code == 201, response.get_json()
        run_queued_jobs(fake_redis)
        return response.get_json(), tree_files(origin)
    return _store


def _package(client, headers, package_uuid):
    return client.get(f"/api/v2/file/{package_uuid}/", headers=headers).get_json()


def test_move_to_another_as_location(client, admin_headers, store, second_as):
    package, files = store("mover")
    old_path = package["current_full_path"]
    target, _ = second_as

    response = client.post(f"/api/v2/file/{package['uuid']}/move/", data={"location_uuid": target["uuid"]},
                           headers=admin_headers)

    assert response.status_code == 202
    assert response.headers["Location"].startswith("/api/v2/async/move-")
    moved = _package(client, admin_headers, package["uuid"])
    assert moved["status"] == "UPLOADED"
    assert moved["current_location"] == target["resource_uri"]

    assert tree_files(Path(moved["current_full_path"])) == files
    assert not Path(old_path).exists()
    assert client.get(target["resource_uri"], headers=admin_headers).get_json()["used"] == package["size"]


@pytest.mark.parametrize("target_purpose,fragment", [("DS", "purpose DS"), ("AS", "already in")])
def test_move_refusals(client, admin_headers, store, target_purpose, fragment):
    package, _ = store(f"stay-{target_purpose}")
    target = location_uri(client, admin_headers, target_purpose).rstrip("/").rsplit("/", 1)[-1]
    response = client.post(f"/api/v2/file/{package['uuid']}/move/", data={"location_uuid": target},
                           headers=admin_headers)
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]
    assert _package(client, admin_headers, package["uuid"])["status"] == "UPLOADED"


def test_move_without_location_names_the_field(client, admin_headers, store):
    package, _ = store("nofield")
    response = client.post(f"/api/v2/file/{package['uuid']}/move/", data={}, headers=admin_headers)
    assert response.status_code == 400
    assert "location_uuid" in response.get_json()["message"]


def test_failed_move_returns_package_to_uploaded(client, admin_headers, store, second_as, monkeypatch):
    package, files = store("doomed")
    target, _ = second_as
    from sspkg import placement
    monkeypatch.setattr(placement, "copy_verified",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    from jobs import context
    monkeypatch.setattr(context.JobContext, "will_retry", property(lambda self: False))

    response = client.post(f"/api/v2/file/{package['uuid']}/move/", data={"location_uuid": target["uuid"]},
                           headers=admin_headers)

    assert response.status_code == 202
    after = _package(client, admin_headers, package["uuid"])
    assert after["status"] == "UPLOADED"
    assert after["current_location"] == package["current_location"]

    assert tree_files(Path(after["current_full_path"])) == files


def _request(client, headers, package_uuid, action, pipeline_uuid):
    return client.post(f"/api/v2/file/{package_uuid}/{action}/", headers=headers, json={
        "event_reason": "duplicate AIP", "pipeline": pipeline_uuid, "user_id": 7,
        "user_email": "archivist@example.org"})


@pytest.fixture
def pipeline_uuid(client, admin_headers, new_uuid):
    value = new_uuid()
    client.post("/api/v2/pipeline/", json={"uuid": value}, headers=admin_headers)
    return value


def test_deletion_request_review_and_delete(client, admin_headers, store, pipeline_uuid):
    package, _ = store("to-delete")
    first = _request(client, admin_headers, package["uuid"], "delete_aip", pipeline_uuid)
    again = _request(client, admin_headers, package["uuid"], "delete_aip", pipeline_uuid)
    assert first.status_code == 202 and again.status_code == 200
    assert first.get_json()["message"] == "Delete request created successfully."
    assert first.get_json()["id"] == again.get_json()["id"]
    assert _package(client, admin_headers, package["uuid"])["status"] == "DEL_REQ"

    review = client.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/", headers=admin_headers,
                         json={"event_id": first.get_json()["id"], "decision": "approve", "reason": "ok"})

    assert review.status_code == 202
    deleted = _package(client, admin_headers, package["uuid"])
    assert deleted["status"] == "DELETED"

    assert not Path(package["current_full_path"]).exists()
    events = client.get(f"/api/v2/file/{package['uuid']}/events/", headers=admin_headers).get_json()
    assert [e["status"] for e in events["objects"]] == ["APPROVED"]


def test_rejected_deletion_returns_to_uploaded(client, admin_headers, store, pipeline_uuid):
    package, _ = store("kept")
    event_id = _request(client, admin_headers, package["uuid"], "delete_aip", pipeline_uuid).get_json()["id"]
    review = client.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/", headers=admin_headers,
                         json={"event_id": event_id, "decision": "reject", "reason": "needed"})
    assert review.status_code == 200
    assert _package(client, admin_headers, package["uuid"])["status"] == "UPLOADED"
    second = client.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/", headers=admin_headers,
                         json={"event_id": event_id, "decision": "approve"})
    assert second.status_code == 400


def test_deletion_request_errors(client, admin_headers, store, storage, pipeline_uuid, new_uuid):
    package, _ = store("errs")
    missing = client.post(f"/api/v2/file/{package['uuid']}/delete_aip/", headers=admin_headers,
                          json={"event_reason": "x", "pipeline": pipeline_uuid})
    assert missing.status_code == 400
    assert "user_id" in missing.get_json()["message"] and "user_email" in missing.get_json()["message"]
    assert _request(client, admin_headers, new_uuid(), "delete_aip", pipeline_uuid).status_code == 404
    (storage / "cp" / "dip").mkdir()
    (storage / "cp" / "dip" / "a.txt").write_text("a")
    dip_uuid = new_uuid()
    client.post("/api/v2/file/", headers=admin_headers, json=store_body(
        client, admin_headers, dip_uuid, "dip", package_type="DIP",
        current_location="/api/v2/location/default/DS/"))
    assert _request(client, admin_headers, dip_uuid, "delete_aip", pipeline_uuid).status_code == 405
    assert _request(client, admin_headers, dip_uuid, "recover_aip", pipeline_uuid).status_code == 405


def test_non_admin_cannot_review(client, admin_headers, store, pipeline_uuid, catalogue):
    from sspkg import users
    _, key = users.create_user(catalogue, "plain")
    package, _ = store("guarded")
    event_id = _request(client, admin_headers, package["uuid"], "delete_aip", pipeline_uuid).get_json()["id"]
    response = client.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/",
                           headers={"Authorization": f"ApiKey plain:{key}"},
                           json={"event_id": event_id, "decision": "approve"})
    assert response.status_code == 403
    assert _package(client, admin_headers, package["uuid"])["status"] == "DEL_REQ"


def test_replica_made_after_store_and_recovery_from_it(client, admin_headers, store, second_as,
                                                       pipeline_uuid):
    target, rp = second_as
    package, files = store("precious", current_location=target["resource_uri"])
    package = _package(client, admin_headers, package["uuid"])
    assert len(package["replicas"]) == 1
    replica = client.get(package["replicas"][0], headers=admin_headers).get_json()
    assert replica["replicated_package"] == package["resource_uri"]
    assert replica["current_location"] == rp["resource_uri"]
    assert replica["checksum"] == package["checksum"]

    assert tree_files(Path(replica["current_full_path"])) == files

    damaged = Path(package["current_full_path"])
    victim = sorted((damaged / "data").rglob("*.dat"))[0]
    victim.write_bytes(b"bit rot")
    shutil.rmtree(damaged / "data" / "level1", ignore_errors=True)
    event_id = _request(client, admin_headers, package["uuid"], "recover_aip", pipeline_uuid).get_json()["id"]
    assert _package(client, admin_headers, package["uuid"])["status"] == "RECOVER_REQ"

    review = client.post(f"/api/v2/file/{package['uuid']}/review_aip_recovery/", headers=admin_headers,
                         json={"event_id": event_id, "decision": "approve"})

    assert review.status_code == 202
    assert _package(client, admin_headers, package["uuid"])["status"] == "UPLOADED"
    assert tree_files(damaged) == files
    report = client.get(f"/api/v2/file/{package['uuid']}/check_fixity/", headers=admin_headers).get_json()
    assert report["success"] is True


def test_deleting_an_aip_deletes_its_replicas(client, admin_headers, store, second_as, pipeline_uuid):
    target, _ = second_as
    package, _ = store("with-replica", current_location=target["resource_uri"])
    replica_uri = _package(client, admin_headers, package["uuid"])["replicas"][0]
    replica_path = client.get(replica_uri, headers=admin_headers).get_json()["current_full_path"]
    event_id = _request(client, admin_headers, package["uuid"], "delete_aip", pipeline_uuid).get_json()["id"]
    client.post(f"/api/v2/file/{package['uuid']}/review_aip_deletion/", headers=admin_headers,
                json={"event_id": event_id, "decision": "approve"})
    assert client.get(replica_uri, headers=admin_headers).get_json()["status"] == "DELETED"

    assert not Path(replica_path).exists()


def test_replicator_must_be_rp(client, admin_headers, tmp_path):
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "s3")}, headers=admin_headers).get_json()
    response = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "x",
        "replicators": [location_uri(client, admin_headers, "DS")]})
    assert response.status_code == 400
    assert "not RP" in response.get_json()["message"]
