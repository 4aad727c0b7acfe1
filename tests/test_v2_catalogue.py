"""Spaces, locations and pipelines as the Archivematica dashboard uses them."""

from __future__ import annotations

from tests.bags import make_bag
from tests.helpers import store_body


def test_dashboard_registration_sequence(client, admin_headers, new_uuid):
    pipeline_uuid = new_uuid()
    response = client.post("/api/v2/pipeline/", headers=admin_headers, json={
        "uuid": pipeline_uuid, "description": "Archivematica on am.example",
        "create_default_locations": True, "shared_path": "/var/archivematica/sharedDirectory",
        "api_username": "am", "api_key": "pipeline-secret"})
    assert response.status_code == 201
    assert "api_key" not in response.get_json()

    assert client.get(f"/api/v2/pipeline/{pipeline_uuid}/", headers=admin_headers).status_code == 200
    for purpose in ("CP", "TS", "AS", "DS", "BL", "SS"):
        found = client.get(f"/api/v2/location/?pipeline__uuid={pipeline_uuid}&purpose={purpose}"
                           f"&relative_path=&space=&offset=0", headers=admin_headers).get_json()
        assert found["meta"]["total_count"] == 1, purpose
        location = found["objects"][0]
        assert location["purpose"] == purpose
        assert f"/api/v2/pipeline/{pipeline_uuid}/" in location["pipeline"]

    redirect = client.get("/api/v2/location/default/AS", headers=admin_headers)
    assert redirect.status_code == 302
    target = client.get(redirect.headers["Location"], headers=admin_headers).get_json()
    assert target["purpose"] == "AS"
    assert target["path"].endswith("/storage/as")


def test_unknown_pipeline_is_404(client, admin_headers, new_uuid):
    response = client.get(f"/api/v2/pipeline/{new_uuid()}/", headers=admin_headers)
    assert response.status_code == 404
    assert response.get_json()["error"] is True


def test_store_with_pipeline_uri(client, admin_headers, storage, new_uuid):
    pipeline_uuid = new_uuid()
    client.post("/api/v2/pipeline/", json={"uuid": pipeline_uuid}, headers=admin_headers)
    make_bag(storage / "cp" / "from-pipeline", files=2)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", headers=admin_headers, json=store_body(
        client, admin_headers, package_uuid, "from-pipeline",
        origin_pipeline=f"/api/v2/pipeline/{pipeline_uuid}/"))

    assert response.status_code == 201
    assert response.get_json()["origin_pipeline"] == f"/api/v2/pipeline/{pipeline_uuid}/"
    listed = client.get(f"/api/v2/file/?origin_pipeline={pipeline_uuid}", headers=admin_headers)
    assert listed.get_json()["meta"]["total_count"] == 1


def test_store_with_unknown_pipeline_is_400(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "orphan", files=2)
    response = client.post("/api/v2/file/async/", headers=admin_headers, json=store_body(
        client, admin_headers, new_uuid(), "orphan", origin_pipeline=f"/api/v2/pipeline/{new_uuid()}/"))
    assert response.status_code == 400
    assert "origin_pipeline" in response.get_json()["message"]


def test_location_used_counts_stored_bytes(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "counted", files=4)
    stored = client.post("/api/v2/file/", headers=admin_headers,
                         json=store_body(client, admin_headers, new_uuid(), "counted")).get_json()
    location = client.get(stored["current_location"], headers=admin_headers).get_json()
    assert location["used"] == stored["size"] > 0


def test_admin_creates_space_and_location(client, admin_headers, tmp_path):
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "space2")}, headers=admin_headers)
    assert space.status_code == 201
    location = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space.get_json()["resource_uri"], "purpose": "AS", "relative_path": "aips",
        "description": "second AIP store"})
    assert location.status_code == 201
    assert (tmp_path / "space2" / "aips").is_dir()
    assert location.get_json()["path"] == str((tmp_path / "space2" / "aips").resolve())


def test_location_with_escaping_relative_path_is_400(client, admin_headers, tmp_path):
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "space3")},
                        headers=admin_headers).get_json()
    response = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "../../escape"})
    assert response.status_code == 400
    assert not (tmp_path / "escape").exists()


def test_bad_list_parameters(client, admin_headers):
    assert client.get("/api/v2/file/?limit=-1", headers=admin_headers).status_code == 400
    assert client.get("/api/v2/file/?offset=abc", headers=admin_headers).status_code == 400
    assert client.get("/api/v2/file/?colour=blue", headers=admin_headers).status_code == 400
    assert client.get("/api/v2/file/?order_by=secret", headers=admin_headers).status_code == 400


def test_unknown_async_task_is_404(client, admin_headers):
    response = client.get("/api/v2/async/store-nothing-1/", headers=admin_headers)
    assert response.status_code == 404
