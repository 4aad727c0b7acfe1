"""API v3 through gunicorn, real RQ workers and Redis: job life, retries, cancel, idempotency,
callbacks."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.bags import make_bag, tree_files
from tests.servers import Service

pytestmark = pytest.mark.e2e

SECRET = "test-callback-secret"


@pytest.fixture
def service(redis_server, real_redis, tmp_path):
    running = Service(redis_server.url, tmp_path / "var", env={
        "SS_CALLBACK_SECRET": SECRET, "SS_CALLBACK_RETRY_INTERVALS": "1,1,1", "SS_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "SS_JOB_RETRY_INTERVALS": "1,1,1"}).start()
    yield running
    running.stop()


def _body(service, name, **extra):
    return {"uuid": str(uuid.uuid4()), "package_type": "AIP", "origin_location": service.location_uri("CP"),
            "origin_path": name, "current_location": "/api/v2/location/default/AS/", "current_path": name,
            **extra}


def _wait_job(service, location, statuses=("finished", "failed", "stopped", "canceled"), timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = service.get(location).json()
        if document["status"] in statuses:
            return document
        time.sleep(0.02)
    raise TimeoutError(f"{location} never reached {statuses}")


def test_job_document_through_its_life(service):
    make_bag(service.data_dir / "storage" / "cp" / "big", files=20, big_bytes=600 << 20)
    response = service.post("/api/v3/packages", json=_body(service, "big"))
    assert response.status_code == 202
    assert response.json()["status"] in ("queued", "started")
    location = response.headers["Location"]
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        document = service.get(location).json()
        seen.append((document["status"], document["progress"]["bytes_done"] or 0))
        if document["status"] == "finished":
            break
        time.sleep(0.02)
    started = [done for status, done in seen if status == "started"]
    assert started, "never saw the job running"
    assert len(set(started)) >= 2, "progress did not move while the job ran"
    assert document["result"]["status"] == "UPLOADED"
    assert document["attempt"] == 1


def test_failed_job_reports_its_error(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "bad", files=4)
    (origin / "data" / "sneaked-in.txt").write_text("x")
    response = service.post("/api/v3/packages", json=_body(service, "bad"))
    document = _wait_job(service, response.headers["Location"])
    assert document["status"] == "failed"
    assert document["error"]["type"] == "PackageInvalid"
    assert "sneaked-in.txt" in document["error"]["message"]


def test_transient_failure_is_retried_and_attempts_counted(service):
    make_bag(service.data_dir / "storage" / "cp" / "flaky", files=4)
    destination = service.data_dir / "storage" / "as"
    subprocess.run(["chattr", "+i", str(destination)], check=True)
    try:
        response = service.post("/api/v3/packages", json=_body(service, "flaky"))
        location = response.headers["Location"]
        deadline = time.monotonic() + 30
        while service.get(location).json()["attempt"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        subprocess.run(["chattr", "-i", str(destination)], check=True)
    document = _wait_job(service, location)
    assert document["status"] == "finished", document
    assert document["attempt"] >= 2
    assert document["max_attempts"] == 4


def test_cancel_a_queued_store(redis_server, real_redis, tmp_path):
    service = Service(redis_server.url, tmp_path / "var", workers=0).start()
    try:
        make_bag(service.data_dir / "storage" / "cp" / "never", files=3)
        body = _body(service, "never")
        location = service.post("/api/v3/packages", json=body).headers["Location"]
        response = requests.delete(service.url + location, headers=service.headers, timeout=10)
        assert response.status_code == 200
        assert response.json()["status"] == "canceled"
        package = service.get(f"/api/v3/packages/{body['uuid']}").json()
        assert package["status"] == "FAIL"
        assert requests.delete(service.url + location, headers=service.headers, timeout=10).status_code == 409
    finally:
        service.stop()


def test_cancel_a_running_store_leaves_no_staging(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "long", files=10, big_bytes=1536 << 20)
    body = _body(service, "long", keep_origin=False)
    location = service.post("/api/v3/packages", json=body).headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        document = service.get(location).json()
        if document["status"] == "started" and (document["progress"]["bytes_done"] or 0) > 0:
            break
        time.sleep(0.01)
    response = requests.delete(service.url + location, headers=service.headers, timeout=10)
    assert response.status_code == 202
    assert _wait_job(service, location)["status"] == "stopped"
    deadline = time.monotonic() + 20
    staging = service.data_dir / "storage" / "as" / ".sspkg-staging" / body["uuid"]
    while (staging.exists() or service.get(f"/api/v3/packages/{body['uuid']}").json()["status"] != "FAIL") \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not staging.exists()
    assert origin.exists() and (origin / "data" / "big.bin").stat().st_size == 1536 << 20
    assert service.get(f"/api/v3/packages/{body['uuid']}").json()["status"] == "FAIL"


def test_twenty_concurrent_identical_submissions_make_one_job(service):
    make_bag(service.data_dir / "storage" / "cp" / "idem", files=3)
    package_uuid = service.post("/api/v2/file/", json=_body(service, "idem")).json()["uuid"]
    headers = {**service.headers, "Idempotency-Key": f"check-{package_uuid}"}

    def submit(_):
        return requests.post(f"{service.url}/api/v3/packages/{package_uuid}/fixity", json={}, headers=headers,
                             timeout=30)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(submit, range(20)))
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = service.get(f"/api/v3/jobs?operation=fixity&package={package_uuid}").json()["objects"]
    assert len(listed) == 1


class _Receiver(BaseHTTPRequestHandler):
    calls: list = []
    fail_first = 1

    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append((dict(self.headers), body))
        failing = len(type(self).calls) <= type(self).fail_first
        self.send_response(500 if failing else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_callback_is_signed_and_retried_after_a_500(service):
    _Receiver.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_bag(service.data_dir / "storage" / "cp" / "cb", files=3)
        url = f"http://127.0.0.1:{server.server_port}/hook"
        response = service.post("/api/v3/packages", json=_body(service, "cb", callback_url=url))
        job_id = response.json()["id"]
        deadline = time.monotonic() + 30
        while len(_Receiver.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
    assert len(_Receiver.calls) >= 2, "the callback was not retried after a 500"
    first, second = _Receiver.calls[0], _Receiver.calls[1]
    assert first[0]["X-Event-Id"] == second[0]["X-Event-Id"]
    headers, body = second
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Signature"], expected)
    document = json.loads(body)
    assert document["id"] == job_id and document["status"] == "finished"


def test_prepared_download_ranged_through_gunicorn(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "dl", files=30)
    package_uuid = service.post("/api/v2/file/", json=_body(service, "dl")).json()["uuid"]
    location = service.post(f"/api/v3/packages/{package_uuid}/download", json={}).headers["Location"]
    url = _wait_job(service, location)["result"]["url"]
    size = int(requests.head(service.url + url, headers=service.headers, timeout=10).headers["Content-Length"])
    parts = [requests.get(service.url + url, headers={**service.headers, "Range": f"bytes={a}-{min(a + 9999, size - 1)}"},
                          timeout=10).content for a in range(0, size, 10000)]
    import io
    import tarfile
    archive = tarfile.open(fileobj=io.BytesIO(b"".join(parts)))
    got = {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    assert got == tree_files(origin)


def test_prefer_respond_async_through_gunicorn(service):
    make_bag(service.data_dir / "storage" / "cp" / "pref", files=3)
    headers = {**service.headers, "Prefer": "respond-async"}
    body = _body(service, "pref")
    response = requests.post(f"{service.url}/api/v2/file/", json=body, headers=headers, timeout=10)
    assert response.status_code == 202 and response.headers["Preference-Applied"] == "respond-async"
    assert service.wait_async(response.headers["Location"])["was_error"] is False
    fixity = requests.get(f"{service.url}/api/v2/file/{body['uuid']}/check_fixity/", headers=headers, timeout=10)
    assert fixity.status_code == 202
    assert service.wait_async(fixity.headers["Location"])["result"]["success"] is True
    download = requests.get(f"{service.url}/api/v2/file/{body['uuid']}/download/", headers=headers, timeout=10)
    assert download.status_code == 202
    assert service.wait_async(download.headers["Location"])["result"]["url"].startswith("/api/v3/downloads/")

