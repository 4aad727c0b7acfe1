"""Real processes for end-to-end tests and benchmarks: gunicorn and RQ workers on a real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from sspkg.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Service:
    """gunicorn serving `wsgi:app`, `workers` kept RQ workers and a supervisor, all as
    subprocesses: the processes of the Procfile."""

    def __init__(self, redis_url: str, data_dir: Path, api_key: str = "admin:e2e-key",
                 workers: int = 1, env: dict | None = None, supervisor: bool = True):
        self.port = free_port()
        self.api_key = api_key
        self.data_dir = data_dir
        self.log_dir = data_dir / "logs"
        self.env = dict(os.environ, REDIS_URL=redis_url, SS_DATA_DIR=str(data_dir),
                        PORT=str(self.port), SS_HOST="127.0.0.1",
                        SS_BOOTSTRAP_API_KEY=api_key, PYTHONUNBUFFERED="1", **(env or {}))
        self.worker_count = workers
        self.with_supervisor = supervisor
        self.web: subprocess.Popen | None = None
        self.supervisor: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        """Base URL of the web process."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict:
        """Authorization header of the bootstrap admin."""
        return {"Authorization": f"ApiKey {self.api_key}"}

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start(self) -> "Service":
        """Bootstrap, then start the web process and the workers; wait until the API answers."""
        subprocess.run([str(BIN / "sspkg"), "bootstrap"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)
        self.web = self._spawn("web", [str(BIN / "gunicorn"), "--config", "python:config.gunicorn",
                                       "wsgi:app"])
        for _ in range(self.worker_count):
            self.start_worker()
        if self.with_supervisor:
            self.supervisor = self._spawn("supervisor", [str(BIN / "sspkg"), "supervise"])
        self._wait_ready()
        return self

    def start_worker(self) -> subprocess.Popen:
        """Start one more RQ worker."""
        worker = self._spawn(f"worker-{len(self.workers)}", [str(BIN / "sspkg"), "worker"])
        self.workers.append(worker)
        return worker

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.log_dir / 'web.log').read_text()[-2000:]}")
            try:
                requests.get(f"{self.url}/api/v2/space/", headers=self.headers, timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("web process did not answer")

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 30 s), worker children included."""
        processes = [p for p in [self.web, self.supervisor, *self.workers] if p is not None]
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                for child in child_pids(process.pid):
                    _kill_quietly(child)
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET an API path as the admin."""
        return requests.get(self.url + path, headers=self.headers, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST to an API path as the admin."""
        return requests.post(self.url + path, headers=self.headers, timeout=120,
                             allow_redirects=False, **kwargs)

    def location_uri(self, purpose: str) -> str:
        """URI of the bootstrap location of a purpose."""
        return self.get(f"/api/v2/location/?purpose={purpose}").json()["objects"][0]["resource_uri"]

    def wait_async(self, location: str, timeout: float = 600.0) -> dict:
        """Poll an async status document until completed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            document = self.get(location).json()
            if document["completed"]:
                return document
            time.sleep(0.05)
        raise TimeoutError(f"{location} did not complete in {timeout} s")


def _kill_quietly(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def child_pids(parent: int) -> list[int]:
    """Pids of the direct children of a process (gunicorn's workers, say)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children


def peak_rss_kib(pid: int) -> int:
    """Peak resident memory of a process so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")
