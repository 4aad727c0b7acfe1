"""Load without loss: 1,000 store submissions from 50 concurrent clients against `sspkg run`.

Starts the service as `make run` does (`sspkg run`: a private Redis with its
append-only file, bootstrap, then every Procfile process under honcho, with
`-c worker=N`), makes one small bag in the CP location, and has 50 client
threads submit 1,000 v3 stores of it under distinct package uuids, retrying a
submission that got no answer with the same Idempotency-Key (as a careful
client would). Then it waits for every accepted job to end and counts.

    python bench/load.py                    # 1000 submissions, 50 clients, 2 workers
    python bench/load.py --submissions 200 --clients 20

Figures: accepted (202s), finished (jobs that ended finished), errors_5xx
(answers >= 500), duplicates (packages stored more than once, or uuids with
more than one job), and the submit latency p50/p99 in ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from sspkg.paths import uuid_to_path  # noqa: E402
from sspkg.redis_server import free_port  # noqa: E402
from tests.bags import make_bag  # noqa: E402

BIN = Path(sys.executable).parent
KEY = "admin:load-key"
HEADERS = {"Authorization": f"ApiKey {KEY}"}


def start_service(data: Path, port: int, workers: int) -> subprocess.Popen:
    """`sspkg run -c worker=N` with a private Redis, as `make run` starts it."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(PORT=str(port), SS_HOST="127.0.0.1", SS_DATA_DIR=str(data), SS_BOOTSTRAP_API_KEY=KEY,
               SS_LOG_FORMAT="text", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    log = open(data.parent / "service.log", "wb")
    return subprocess.Popen([str(BIN / "sspkg"), "run", "-c", f"worker={workers}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(base: str, timeout: float = 90) -> str:
    """Wait for the API; the CP location's URI."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            objects = requests.get(f"{base}/api/v2/location/?purpose=CP", headers=HEADERS, timeout=5).json()["objects"]
            if objects:
                return objects[0]["resource_uri"]
        except (requests.RequestException, ValueError, KeyError):
            pass
        time.sleep(0.3)
    raise SystemExit("the service did not come up")


class Load:
    """The clients' shared record of what they sent and got."""

    def __init__(self, base: str, cp: str):
        self.base, self.cp = base, cp
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}
        self.codes: list[int] = []
        self.latencies: list[float] = []
        self.local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers.update(HEADERS)
        return self.local.session

    def submit(self, index: int) -> None:
        package_uuid = str(uuid.uuid4())
        body = {"uuid": package_uuid, "package_type": "AIP", "origin_location": self.cp, "origin_path": "load-bag",
                "current_location": "/api/v2/location/default/AS/", "current_path": f"load-{index}"}
        headers = {"Idempotency-Key": f"load-{package_uuid}"}
        for _ in range(5):
            started = time.perf_counter()
            try:
                response = self.session().post(f"{self.base}/api/v3/packages", json=body, headers=headers, timeout=30)
            except requests.RequestException:
                continue
            with self.lock:
                self.latencies.append(time.perf_counter() - started)
                self.codes.append(response.status_code)
                if response.status_code == 202:
                    self.accepted[package_uuid] = response.json()["id"]
            if response.status_code < 500:
                return


def wait_all(load: Load, timeout: float) -> dict[str, str]:
    """Final status of every accepted job (bounded)."""
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    pending = dict(load.accepted)
    while pending and time.monotonic() < deadline:
        for package_uuid, job_id in list(pending.items()):
            try:
                status = requests.get(f"{load.base}/api/v3/jobs/{job_id}", headers=HEADERS, timeout=10).json()["status"]
            except (requests.RequestException, ValueError, KeyError):
                continue
            if status in ("finished", "failed", "stopped", "canceled"):
                final[package_uuid] = status
                del pending[package_uuid]
        time.sleep(0.5)
    return final


def duplicates(load: Load, storage: Path) -> int:
    """Packages stored more than once (more than one copy on disk) or with more than one store job."""
    count = 0
    for package_uuid in load.accepted:
        jobs = requests.get(f"{load.base}/api/v3/jobs", params={"package": package_uuid, "operation": "store"},
                            headers=HEADERS, timeout=30).json()["objects"]
        directory = storage / "as" / uuid_to_path(package_uuid)
        copies = list(directory.iterdir()) if directory.is_dir() else []
        if len(jobs) > 1 or len(copies) > 1:
            count += 1
    return count


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the jobs")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="load-"))
    data = work / "var"
    port = free_port()
    service = start_service(data, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        cp = wait_ready(base)
        make_bag(data / "storage" / "cp" / "load-bag", files=8)
        load = Load(base, cp)
        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(load.submit, range(args.submissions)))
        submitted_in = time.monotonic() - started
        final = wait_all(load, args.timeout)
        drained_in = time.monotonic() - started
        finished = sum(1 for status in final.values() if status == "finished")
        errors = sum(1 for code in load.codes if code >= 500)
        dupes = duplicates(load, data / "storage")
        print(f"submissions {args.submissions} from {args.clients} clients in {submitted_in:.1f} s; "
              f"all jobs ended after {drained_in:.1f} s with {args.workers} workers")
        print(f"answers: {sorted(set(load.codes))}; submit latency p50 "
              f"{1000 * statistics.median(load.latencies):.0f} ms, p99 {1000 * percentile(load.latencies, 0.99):.0f} ms")
        print(f"figure accepted {len(load.accepted)}")
        print(f"figure finished {finished}")
        print(f"figure errors_5xx {errors}")
        print(f"figure duplicates {dupes}")
        print(f"figure submit_p50_ms {1000 * statistics.median(load.latencies):.1f}")
        print(f"figure submit_p99_ms {1000 * percentile(load.latencies, 0.99):.1f}")
    finally:
        os.killpg(service.pid, signal.SIGTERM)
        try:
            service.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(service.pid, signal.SIGKILL)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
