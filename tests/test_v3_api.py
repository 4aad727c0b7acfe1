"""API v3 with jobs run in-process (fakeredis): documents, listing, idempotency, Prefer, downloads."""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.bags import make_bag, tree_files
from tests.helpers import location_uri, run_queued_jobs, store_body


@pytest.fixture
def stored(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "v3-bag", files=10)
    body = store_body(client, admin_headers, new_uuid(), "v3-bag")
    response = client.post("/api/v3/packages", json=body, headers=admin_headers)
    assert response.status_code == 202, response.get_json()
    return body["uuid"], response, tree_files(origin)


def test_store_answers_202_with_the_job_document(client, admin_headers, stored):
    package_uuid, response, _ = stored
    document = response.get_json()
    assert response.headers["Location"] == f"/api/v3/jobs/{document['id']}"
    assert document["operation"] == "store" and document["package"] == package_uuid
    job = client.get(response.headers["Location"], headers=admin_headers).get_json()
    assert job["status"] == "finished"
    assert job["result"]["status"] == "UPLOADED"
    assert job["attempt"] == 1 and job["max_attempts"] == 4
    assert job["progress"]["bytes_done"] == job["progress"]["bytes_total"] > 0
    assert job["error"] is None
    assert job["links"] == {"self": f"/api/v3/jobs/{job['id']}", "package": f"/api/v3/packages/{package_uuid}"}
    for field in ("created_at", "enqueued_at", "started_at", "ended_at"):
        assert job[field]
    package = client.get(job["links"]["package"], headers=admin_headers).get_json()
    assert package["status"] == "UPLOADED"


def test_v2_async_document_reads_the_same_job(client, admin_headers, stored):
    _, response, _ = stored
    job_id = response.get_json()["id"]
    v2 = client.get(f"/api/v2/async/{job_id}/", headers=admin_headers).get_json()
    assert v2["completed"] is True and v2["result"]["status"] == "UPLOADED"


def test_job_list_filters_newest_first(client, admin_headers, stored, new_uuid):
    package_uuid, _, _ = stored
    client.post(f"/api/v3/packages/{package_uuid}/fixity", json={}, headers=admin_headers)
    everything = client.get("/api/v3/jobs", headers=admin_headers).get_json()["objects"]
    assert [j["operation"] for j in everything] == ["fixity", "store"]
    only = client.get("/api/v3/jobs?operation=store", headers=admin_headers).get_json()["objects"]
    assert [j["operation"] for j in only] == ["store"]
    mine = client.get(f"/api/v3/jobs?package={package_uuid}&status=finished", headers=admin_headers).get_json()
    assert len(mine["objects"]) == 2
    assert client.get(f"/api/v3/jobs?package={new_uuid()}", headers=admin_headers).get_json()["objects"] == []
    assert client.get("/api/v3/jobs?status=bogus", headers=admin_headers).status_code == 400
    page = client.get("/api/v3/jobs?limit=1", headers=admin_headers).get_json()
    assert len(page["objects"]) == 1 and page["meta"]["has_more"] is True


def test_fixity_job_and_history(client, admin_headers, stored):
    package_uuid, _, _ = stored
    response = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={}, headers=admin_headers)
    assert response.status_code == 202
    assert response.get_json()["result"]["success"] is True
    history = client.get(f"/api/v3/packages/{package_uuid}/fixity", headers=admin_headers).get_json()
    assert [c["success"] for c in history["checks"]] == [True]


def test_idempotency_key_same_body_same_job_other_body_422(client, admin_headers, stored):
    package_uuid, _, _ = stored
    headers = {**admin_headers, "Idempotency-Key": "audit-2026-12-04"}
    first = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={}, headers=headers)
    second = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={}, headers=headers)
    assert first.get_json()["id"] == second.get_json()["id"]
    other = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={"callback_url": "http://x.example/"},
                        headers=headers)
    assert other.status_code == 422
    fixity_jobs = client.get("/api/v3/jobs?operation=fixity", headers=admin_headers).get_json()["objects"]
    assert len(fixity_jobs) == 1


def test_repeated_store_without_key_returns_existing(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "again", files=3)
    body = store_body(client, admin_headers, new_uuid(), "again")
    first = client.post("/api/v3/packages", json=body, headers=admin_headers)
    second = client.post("/api/v3/packages", json=body, headers=admin_headers)
    assert second.status_code == 202
    assert first.get_json()["id"] == second.get_json()["id"]


def test_move_and_files_as_jobs(client, admin_headers, stored, tmp_path, storage):
    package_uuid, _, files = stored
    space = client.post("/api/v2/space/", json={"path": str(tmp_path / "sp")}, headers=admin_headers).get_json()
    target = client.post("/api/v2/location/", headers=admin_headers, json={
        "space": space["resource_uri"], "purpose": "AS", "relative_path": "aips"}).get_json()
    move = client.post(f"/api/v3/packages/{package_uuid}/move", json={"location_uuid": target["uuid"]},
                       headers=admin_headers)
    assert move.status_code == 202 and move.get_json()["status"] == "finished"
    (storage / "ts" / "in.txt").write_text("in")
    cp_uuid = location_uri(client, admin_headers, "CP").rstrip("/").rsplit("/", 1)[-1]
    copy = client.post(f"/api/v3/locations/{cp_uuid}/files", headers=admin_headers, json={
        "origin_location": location_uri(client, admin_headers, "TS"),
        "files": [{"source": "in.txt", "destination": "in.txt"}]})
    assert copy.status_code == 202 and copy.get_json()["status"] == "finished"
    assert (storage / "cp" / "in.txt").read_text() == "in"


def test_prepared_download_with_range(client, admin_headers, stored):
    package_uuid, _, files = stored
    response = client.post(f"/api/v3/packages/{package_uuid}/download", json={}, headers=admin_headers)
    url = response.get_json()["result"]["url"]
    whole = client.get(url, headers=admin_headers)
    assert whole.status_code == 200
    half = len(whole.data) // 2
    first = client.get(url, headers={**admin_headers, "Range": f"bytes=0-{half - 1}"})
    rest = client.get(url, headers={**admin_headers, "Range": f"bytes={half}-"})
    assert first.status_code == rest.status_code == 206
    data = first.data + rest.data
    archive = tarfile.open(fileobj=io.BytesIO(data))
    got = {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    assert got == files
    assert client.get("/api/v3/downloads/nope", headers=admin_headers).status_code == 404


def test_cancel_of_an_ended_job_is_409(client, admin_headers, stored):
    _, response, _ = stored
    assert client.delete(response.headers["Location"], headers=admin_headers).status_code == 409
    assert client.delete("/api/v3/jobs/none-such", headers=admin_headers).status_code == 404


def test_callback_url_is_checked(app, client, admin_headers, stored):
    package_uuid, _, _ = stored
    bad = client.post(f"/api/v3/packages/{package_uuid}/fixity", json={"callback_url": "ftp://x/"},
                      headers=admin_headers)
    assert bad.status_code == 400 and "callback_url" in bad.get_json()["message"]


PREFER = {"Prefer": "respond-async"}


def test_prefer_respond_async_on_v2(client, admin_headers, storage, new_uuid, fake_redis):
    app_headers = {**admin_headers, **PREFER}
    make_bag(storage / "cp" / "pref", files=3)
    package_uuid = new_uuid()
    store = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "pref"),
                        headers=app_headers)
    fixity = client.get(f"/api/v2/file/{package_uuid}/check_fixity/", headers=app_headers)
    (storage / "ts" / "p.txt").write_text("p")
    files = client.post(location_uri(client, admin_headers, "CP"), headers=app_headers, json={
        "origin_location": location_uri(client, admin_headers, "TS"),
        "files": [{"source": "p.txt", "destination": "p.txt"}]})
    download = client.get(f"/api/v2/file/{package_uuid}/download/", headers=app_headers)
    for response in (store, fixity, files, download):
        assert response.status_code == 202
        assert response.headers["Preference-Applied"] == "respond-async"
        assert response.headers["Location"].startswith("/api/v2/async/")
    run_queued_jobs(fake_redis)
    result = client.get(download.headers["Location"], headers=admin_headers).get_json()["result"]
    assert client.get(result["url"], headers=admin_headers).status_code == 200
    plain = client.get(f"/api/v2/file/{package_uuid}/check_fixity/", headers=admin_headers)
    assert plain.status_code == 200 and "Preference-Applied" not in plain.headers
