"""The `sspkg` command line against a live service (real Redis, gunicorn, workers)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.bags import make_bag
from tests.servers import BIN, ROOT, Service

pytestmark = pytest.mark.e2e


def _sspkg(service: Service, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SS_URL=service.url, SS_API_KEY=service.api_key)
    return subprocess.run([str(BIN / "sspkg"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _cp_uuid(service: Service) -> str:
    return service.location_uri("CP").rstrip("/").rsplit("/", 1)[-1]


def test_store_with_wait_exits_zero(service):
    make_bag(service.data_dir / "storage" / "cp" / "cli-bag", files=10, big_bytes=64 << 20)
    result = _sspkg(service, "store", "cli-bag", "--location", _cp_uuid(service), "--wait")
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stdout
    assert "UPLOADED" in result.stdout
    listed = _sspkg(service, "jobs", "--operation", "store")
    assert "finished" in listed.stdout


def test_failing_job_exits_non_zero_with_its_error(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "cli-bad", files=3)
    (origin / "data" / "stowaway.txt").write_text("x")
    result = _sspkg(service, "store", "cli-bad", "--location", _cp_uuid(service), "--wait")
    assert result.returncode != 0
    assert "stowaway.txt" in result.stderr
    failed = _sspkg(service, "jobs", "--status", "failed")
    assert "store" in failed.stdout


def test_admin_commands(service, tmp_path):
    user = _sspkg(service, "create-user", "cataloguer", "--role", "reader")
    assert user.returncode == 0 and user.stdout.startswith("cataloguer:")
    space = _sspkg(service, "create-space", str(tmp_path / "extra"))
    assert space.returncode == 0
    location = _sspkg(service, "create-location", "--space", space.stdout.strip(), "--purpose", "AS",
                      "--path", "aips")
    assert location.returncode == 0 and (tmp_path / "extra" / "aips").is_dir()
    status = _sspkg(service, "status")
    assert "workers alive: 1" in status.stdout
    bad = _sspkg(service, "store", "x", "--location", "not-a-uuid", "--key", "admin:wrong")
    assert bad.returncode != 0 and "Invalid username or API key" in bad.stderr


def test_requeue_a_failed_store(service):
    origin = make_bag(service.data_dir / "storage" / "cp" / "second-chance", files=3)
    intruder = origin / "data" / "intruder.txt"
    intruder.write_text("x")
    failed = _sspkg(service, "store", "second-chance", "--location", _cp_uuid(service), "--wait")
    assert failed.returncode != 0
    job_id = _sspkg(service, "jobs", "--status", "failed").stdout.split("\t")[0]
    intruder.unlink()
    assert _sspkg(service, "requeue", job_id).returncode == 0
    service.wait_async(f"/api/v2/async/{job_id}/", timeout=60)
    assert service.get(f"/api/v3/jobs/{job_id}").json()["status"] == "finished"
