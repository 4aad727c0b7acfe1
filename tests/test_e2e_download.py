"""Downloads through gunicorn: constant memory for a large package, ranged resume."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import uuid

import pytest
import requests

from tests.bags import make_bag
from tests.servers import Service, child_pids, peak_rss_kib

pytestmark = pytest.mark.e2e

PACKAGE_MIB = 320


@pytest.fixture
def service(redis_server, real_redis, tmp_path):
    running = Service(redis_server.url, tmp_path / "var", env={"SS_WEB_WORKERS": "1"}).start()
    yield running
    running.stop()


def _store(service: Service, name: str) -> dict:
    body = {"uuid": str(uuid.uuid4()), "package_type": "AIP", "origin_location": service.location_uri("CP"),
            "origin_path": name, "current_location": "/api/v2/location/default/AS/", "current_path": name,
            "keep_origin": False}
    response = service.post("/api/v2/file/async/", json=body)
    assert response.status_code == 202, response.text
    assert service.wait_async(response.headers["Location"])["was_error"] is False
    return service.get(f"/api/v2/file/{body['uuid']}/").json()


def test_large_directory_download_keeps_web_memory_flat(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "large", files=50, big_bytes=PACKAGE_MIB << 20)
    expected = hashlib.sha256((origin / "data" / "big.bin").read_bytes()).hexdigest()
    package = _store(service, "large")
    (worker_pid,) = child_pids(service.web.pid)
    service.get("/api/v2/space/")
    before = peak_rss_kib(worker_pid)

    digest = hashlib.sha256()
    received = 0
    with requests.get(f"{service.url}/api/v2/file/{package['uuid']}/download/", headers=service.headers,
                      stream=True, timeout=120) as response:
        assert response.status_code == 200
        length = int(response.headers["Content-Length"])
        tar_stream = tarfile.open(fileobj=response.raw, mode="r|")
        for member in tar_stream:
            if member.name.endswith("data/big.bin"):
                handle = tar_stream.extractfile(member)
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
                    received += len(chunk)

    growth_mib = (peak_rss_kib(worker_pid) - before) / 1024
    assert received == PACKAGE_MIB << 20
    assert digest.hexdigest() == expected
    assert length > PACKAGE_MIB << 20
    assert growth_mib < 32, f"web worker peak RSS grew by {growth_mib:.0f} MiB for a {PACKAGE_MIB} MiB download"


def test_ranged_download_resumes(service):
    data = os.urandom(5 * 1024 * 1024 + 17)
    (service.data_dir / "storage" / "cp" / "aip.tar.gz").write_bytes(data)
    package = _store(service, "aip.tar.gz")
    url = f"{service.url}/api/v2/file/{package['uuid']}/download/"

    first = requests.get(url, headers={**service.headers, "Range": "bytes=0-1999999"}, timeout=30)
    assert first.status_code == 206
    rest = requests.get(url, headers={**service.headers, "Range": f"bytes={len(first.content)}-"}, timeout=30)
    assert rest.status_code == 206
    assert rest.headers["Content-Range"] == f"bytes 2000000-{len(data) - 1}/{len(data)}"
    assert first.content + rest.content == data
    assert "aip.tar.gz" in first.headers["Content-Disposition"]


def test_download_of_small_bag_untars_identically(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "small", files=40)
    expected = {str(p.relative_to(origin)): p.read_bytes() for p in origin.rglob("*") if p.is_file()}
    package = _store(service, "small")
    response = service.get(f"/api/v2/file/{package['uuid']}/download/")
    archive = tarfile.open(fileobj=io.BytesIO(response.content))
    got = {m.name.split("/", 1)[1]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    assert got == expected
