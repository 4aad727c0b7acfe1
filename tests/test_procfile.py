"""The Procfile under honcho: `-c worker=2` starts two workers that both take jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest
import redis
import requests

from sspkg.redis_server import free_port
from tests.bags import make_bag
from tests.servers import BIN, ROOT

pytestmark = pytest.mark.e2e


def test_honcho_scales_workers_and_both_work(redis_server, real_redis, tmp_path):
    port = free_port()
    data = tmp_path / "var"
    env = dict(os.environ, REDIS_URL=redis_server.url, PORT=str(port), SS_HOST="127.0.0.1",
               SS_DATA_DIR=str(data), SS_BOOTSTRAP_API_KEY="admin:procfile-key",
               PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(BIN / "sspkg"), "bootstrap"], cwd=ROOT, env=env, check=True, capture_output=True)
    honcho = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "Procfile", "-c", "worker=2"], cwd=ROOT,
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    headers = {"Authorization": "ApiKey admin:procfile-key"}
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(real_redis.smembers("rq:workers")) < 2:
            time.sleep(0.2)
        assert len(real_redis.smembers("rq:workers")) == 2
        cp = None
        while time.monotonic() < deadline and cp is None:
            try:
                cp = requests.get(f"{base}/api/v2/location/?purpose=CP", headers=headers,
                                  timeout=5).json()["objects"][0]["resource_uri"]
            except requests.RequestException:
                time.sleep(0.2)
        locations = []
        for index in range(6):
            make_bag(data / "storage" / "cp" / f"p{index}", files=5, big_bytes=40 << 20)
            body = {"uuid": str(uuid.uuid4()), "package_type": "AIP", "origin_location": cp,
                    "origin_path": f"p{index}", "current_location": "/api/v2/location/default/AS/"}
            locations.append(requests.post(f"{base}/api/v3/packages", json=body, headers=headers,
                                           timeout=10).headers["Location"])
        workers = set()
        for location in locations:
            while time.monotonic() < deadline:
                job_id = location.rsplit("/", 1)[-1]
                document = requests.get(base + location, headers=headers, timeout=10).json()
                if document["status"] == "finished":
                    workers.add(real_redis.hget(f"rq:job:{job_id}", "worker_name"))
                    break
                time.sleep(0.1)
        assert len(workers) == 2, f"jobs ran on {workers}"
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(60)
    assert redis.Redis.from_url(redis_server.url).ping()
