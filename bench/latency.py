"""Benchmark: does the API answer quickly while the workers are busy with 1 GiB jobs?

One run builds the benchmark bag (about 1 GiB by default, see bench/common.py)
and a few tiny bags (a handful of small files each) in the CP location, starts
the real service (redis-server, gunicorn, two RQ workers, with
SS_SYNC_WAIT_SECONDS large enough for a synchronous v2 store of the big bag),
stores the big bag once through ``POST /api/v2/file/`` and every tiny bag once.
Then it drives the same load through two phases:

* idle: no big job queued or running when the phase starts;
* busy: both workers kept on 1 GiB jobs for the whole phase. Before the
  clients start, a fixity check of the stored 1 GiB package is queued and
  taken by one worker, then enough 1 GiB stores (copy mode, a new uuid each)
  to outlast the phase are queued, and the phase starts once both workers are
  running a big job. Big stores are queued first because the workers take
  their queues in the order store, default, fixity: a big fixity check queued
  later would wait behind every small store of the load. A background thread
  watches the big jobs (not timed), removes each stored copy as its store
  finishes (at most two big stores are ever running, so the run needs a few
  GiB at most), queues another big store should the queued ones run out, and
  samples how many big jobs are running (``both workers on big jobs`` in
  the output: the share of samples with two).

The load: --clients threads (20), each with its own ``requests.Session``, for
--duration seconds (30). Each loop submits a v3 job, alternately a store of
a tiny bag (copy mode, a new package uuid each time, so one tiny bag is
stored many times) and a fixity check of a stored tiny package, then reads
that job's document three times (``GET /api/v3/jobs/<id>``), back to back.
Every HTTP call is timed on its own (``time.perf_counter`` around it, the
body read included) with a 10 s timeout, and loops stop at the deadline.
The load is closed-loop with no pause: each client sends its next request as
soon as it has the previous answer, so the numbers are latencies at the rate
that 20 such clients reach, not at a fixed rate. The jobs the load submits
queue behind whatever the workers are doing (in the idle phase too the
workers run them, so "idle" means no big work, not no work); at the end of
each phase every job still queued or running is canceled through
``DELETE /api/v3/jobs/<id>`` and the run waits for the workers to go idle.

The machine has two cores, and the client threads (one Python process, one
GIL) run on them beside gunicorn, Redis and the workers: they take CPU from
the service, and a measured latency includes the time a client thread waited
for the GIL or a core. That is part of the measurement, on both phases
alike. (Where the kernel groups tasks by session for scheduling,
``kernel.sched_autogroup_enabled`` = 1, a saturated CPU is shared between
sessions first: this process, the web processes, each worker and
redis-server each run in a session of their own.) The output shows how the
CPU was shared in each phase, by this process, the web processes, the
workers, the supervisor, redis-server, kernel threads and other processes:
more than a small share for other processes (0.15 cores) means that
something else ran beside the benchmark: a warning says so, and the run
should be repeated.

Last, on an idle system, it times the answer to a 1 GiB store both ways:
synchronous v2 (``POST /api/v2/file/`` answers 201 once stored) and v3
(``POST /api/v3/packages`` answers 202 with the job document; median of three
submissions, each left to finish before the next). Every store starts with
``sync`` and with the bag read once (a warm page cache).

The table gives p50 and p99 (nearest rank) of submits and polls in both
phases, request counts and any non-2xx answers or failed requests; the last
lines are ``figure <name> <value>`` lines for scripts to pick up.
``busy_p99_ms`` is the larger of the busy phase's submit p99 and poll p99,
``idle_p99_ms`` the same for the idle phase, ``busy_vs_idle_p99`` their
ratio. Targets: busy_p99_ms at most 50 and busy_vs_idle_p99 at most 3.

    python bench/latency.py                            # 1 GiB, 20 clients, 30 s phases
    python bench/latency.py --size-mib 256 --duration 10
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bagit  # noqa: E402
import redis  # noqa: E402
from rq import Queue, Worker  # noqa: E402
from rq.job import Job  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402

from bench.common import (  # noqa: E402
    BAG_NAME,
    DESTINATION,
    MIB,
    build_service_bag,
    prepare,
    remove,
    session,
    tree_stats,
    write_random,
)
from sspkg.paths import uuid_to_path  # noqa: E402
from tests.servers import Service  # noqa: E402

SYNC_WAIT_SECONDS = 600
WORKERS = 2
POLLS = 3
REQUEST_TIMEOUT = 10.0
TINY_BAGS = 4
TINY_FILES = 5
TINY_FILE_BYTES = 2048
WATCH_INTERVAL = 0.25
V3_SUBMITS = 3
DISTURBED_CORES = 0.15  # other processes' CPU in a phase above which the run is flagged
ENDED = frozenset({"finished", "failed", "stopped", "canceled"})
SUBMIT, POLL = "submit", "poll"


# --- command line ------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="big bag size in MiB (default 1024)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each phase (default 30)")
    parser.add_argument("--clients", type=int, default=20, help="client threads (default 20)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work",
                        help="work directory (default bench/work/)")
    parser.add_argument("--keep", action="store_true", help="leave the work directory in place")
    return parser.parse_args(argv)


# --- the service, outside the timed calls ------------------------------------

def store_body(cp_uri: str, name: str, size: int) -> dict:
    """A store request of `name` in the CP location (`cp_uri`) under a new uuid (copy mode)."""
    return {"uuid": str(uuid.uuid4()), "package_type": "AIP",
            "origin_location": cp_uri, "origin_path": name,
            "current_location": DESTINATION, "current_path": name,
            "size": size, "keep_origin": True}


def submit(service: Service, path: str, body: dict) -> str:
    """POST a v3 job; its id. Fails unless 202."""
    response = service.post(path, json=body)
    if response.status_code != 202:
        raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:2000]}")
    return response.json()["id"]


def job_status(service: Service, job_id: str) -> str:
    """Status of a v3 job."""
    response = service.get(f"/api/v3/jobs/{job_id}")
    response.raise_for_status()
    return response.json()["status"]


def wait_job(service: Service, job_id: str, timeout: float = 900.0) -> str:
    """Wait until a job has ended; its final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job_status(service, job_id)
        if status in ENDED:
            return status
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} did not end in {timeout} s")


def stored_path(service: Service, package_uuid: str, name: str) -> Path:
    """Where the service puts a package stored under `name` in the AS location."""
    return service.data_dir / "storage" / "as" / uuid_to_path(package_uuid) / name


def store_sync(service: Service, cp_uri: str, name: str, size: int) -> str:
    """Store `name` through synchronous v2 (201 once stored); the package uuid."""
    body = store_body(cp_uri, name, size)
    response = requests.post(f"{service.url}/api/v2/file/", json=body, headers=service.headers,
                             timeout=SYNC_WAIT_SECONDS + 60)
    if response.status_code != 201:
        raise RuntimeError(f"v2 store of {name} answered {response.status_code}: {response.text[:2000]}")
    return body["uuid"]


def statuses(connection: redis.Redis, job_ids: list[str]) -> list[str]:
    """Status of each job, read from Redis (an expired job counts as canceled)."""
    jobs = Job.fetch_many(job_ids, connection=connection, serializer=JSONSerializer)
    return [job.get_status(refresh=False).value if job is not None else "canceled" for job in jobs]


def queued_and_running(connection: redis.Redis) -> tuple[int, int]:
    """(jobs waiting in the service's queues, workers running a job)."""
    queued = sum(queue.count for queue in Queue.all(connection=connection))
    running = sum(worker.get_state() == "busy" for worker in Worker.all(connection=connection))
    return queued, running


def cancel_jobs(service: Service, job_ids: list[str]) -> Counter:
    """Cancel (or stop) every job of `job_ids` not ended yet, through the API. Counts of
    the answers: 200 canceled (was queued), 202 stopped (was running), 409 had ended."""
    def cancel(job_id: str) -> int:
        return requests.delete(f"{service.url}/api/v3/jobs/{job_id}", headers=service.headers,
                               timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return Counter(pool.map(cancel, job_ids))


# --- CPU shares --------------------------------------------------------------

def _proc_stats() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, CPU ticks with those of reaped children)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found[int(entry)] = (int(fields[1]), name, sum(int(f) for f in fields[11:15]))
    return found


def _busy_ticks() -> int:
    """CPU ticks the whole machine spent not idle (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    return sum(values) - values[3] - values[4]


class CpuShares:
    """CPU used between `start()` and `stop()`, in cores, by group: this process (the
    clients), the web processes, the workers (their jobs included), the supervisor (if the
    service runs one), redis-server, kernel threads (writeback of the run's own writes is
    there), other processes (nothing of the run: another program's work), and the whole
    machine (from /proc/stat)."""

    GROUPS = ("clients", "web", "workers", "supervisor", "redis", "kernel threads", "other processes")

    def __init__(self, service: Service):
        self.service = service
        self.begin: tuple[float, int, Counter] | None = None
        self.cores: dict[str, float] = {}
        self.machine = 0.0

    def _sample(self) -> tuple[float, int, Counter]:
        stats = _proc_stats()
        me = os.getpid()
        roots = {2: "kernel threads", self.service.web.pid: "web",
                 **{w.pid: "workers" for w in self.service.workers}}
        supervisor = getattr(self.service, "supervisor", None)
        if supervisor is not None:
            roots[supervisor.pid] = "supervisor"
        roots.update({pid: "redis" for pid, (parent, name, _) in stats.items()
                      if parent == me and name.startswith("redis-server")})
        roots[me] = "clients"
        used = Counter()
        for pid, (_, _, ticks) in stats.items():
            ancestor = pid
            while ancestor not in roots and ancestor in stats and ancestor > 1:
                ancestor = stats[ancestor][0]
            used[roots.get(ancestor, "other processes")] += ticks
        return time.monotonic(), _busy_ticks(), used

    def start(self) -> None:
        """Take the first sample."""
        self.begin = self._sample()

    def stop(self) -> None:
        """Take the second sample; `cores` and `machine` hold the averages in between."""
        end = self._sample()
        ticks = os.sysconf("SC_CLK_TCK") * (end[0] - self.begin[0])
        used = end[2] - self.begin[2]
        self.cores = {group: used[group] / ticks for group in self.GROUPS}
        self.machine = (end[1] - self.begin[1]) / ticks

    def line(self) -> str:
        """`clients 0.52, web 0.80, ..., machine 1.98` in cores."""
        return ", ".join(f"{group} {self.cores[group]:.2f}" for group in self.GROUPS) \
            + f" (machine {self.machine:.2f} of {os.cpu_count()})"


# --- the load ----------------------------------------------------------------

@dataclass
class Calls:
    """Seconds of every call of one kind, answers outside 2xx by status, failed requests by error."""

    seconds: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)

    def extend(self, other: "Calls") -> None:
        """Add another thread's calls."""
        self.seconds.extend(other.seconds)
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)

    def percentile_ms(self, percent: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.seconds)
        rank = max(1, math.ceil(percent / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    def problems(self) -> str:
        """`-` or e.g. `503x2 ReadTimeoutx1`."""
        found = [f"{status}x{count}" for status, count in sorted(self.statuses.items())]
        found += [f"{name}x{count}" for name, count in sorted(self.failures.items())]
        return " ".join(found) or "-"


def timed_call(http: requests.Session, method: str, url: str, calls: Calls,
               **kwargs) -> requests.Response | None:
    """One timed HTTP call (the answer's body read); None if it failed to get an answer."""
    start = time.perf_counter()
    try:
        response = http.request(method, url, timeout=REQUEST_TIMEOUT, **kwargs)
    except requests.RequestException as error:
        calls.seconds.append(time.perf_counter() - start)
        calls.failures[type(error).__name__] += 1
        return None
    calls.seconds.append(time.perf_counter() - start)
    if not 200 <= response.status_code < 300:
        calls.statuses[response.status_code] += 1
    return response


@dataclass
class Targets:
    """What the load submits: tiny bags to store (name, size) and tiny packages to check."""

    cp_uri: str
    bags: list[tuple[str, int]]
    packages: list[str]


@dataclass
class PhaseResult:
    """Calls of one phase, the jobs it submitted and how the CPU was shared."""

    calls: dict[str, Calls]
    job_ids: list[str]
    seconds: float
    cpu: CpuShares | None = None
    big: dict | None = None
    settled: Counter | None = None

    def p99_ms(self) -> float:
        """The larger of the submit p99 and the poll p99."""
        return max(self.calls[SUBMIT].percentile_ms(99), self.calls[POLL].percentile_ms(99))


def client(service: Service, targets: Targets, index: int, start: threading.Barrier,
           deadline_box: list[float], calls: dict[str, Calls], job_ids: list[str],
           errors: list[BaseException]) -> None:
    """One client (any error it meets is kept in `errors`)."""
    try:
        run_client(service, targets, index, start, deadline_box, calls, job_ids)
    except BaseException as error:
        errors.append(error)
        raise


def run_client(service: Service, targets: Targets, index: int, start: threading.Barrier,
               deadline_box: list[float], calls: dict[str, Calls], job_ids: list[str]) -> None:
    """Submit a job, poll it POLLS times; again until the deadline."""
    http = requests.Session()
    http.headers.update(service.headers)
    loop = index
    start.wait()
    deadline = deadline_box[0]
    while time.perf_counter() < deadline:
        if loop % 2 == 0:
            body = store_body(targets.cp_uri, *targets.bags[loop // 2 % len(targets.bags)])
            response = timed_call(http, "POST", f"{service.url}/api/v3/packages", calls[SUBMIT], json=body)
        else:
            package = targets.packages[loop // 2 % len(targets.packages)]
            response = timed_call(http, "POST", f"{service.url}/api/v3/packages/{package}/fixity",
                                  calls[SUBMIT], json={})
        loop += 1
        if response is None or response.status_code != 202:
            continue
        job_id = response.json()["id"]
        job_ids.append(job_id)
        for _ in range(POLLS):
            if time.perf_counter() >= deadline:
                break
            timed_call(http, "GET", f"{service.url}/api/v3/jobs/{job_id}", calls[POLL])
    http.close()


def run_load(service: Service, targets: Targets, clients: int, duration: float) -> PhaseResult:
    """`clients` threads for `duration` seconds; every call timed."""
    per_thread = [({SUBMIT: Calls(), POLL: Calls()}, []) for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline_box = [0.0]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=client, name=f"client-{i}", daemon=True,
                                args=(service, targets, i, start, deadline_box, *per_thread[i], errors))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline_box[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join(duration + (POLLS + 1) * REQUEST_TIMEOUT + 30)
    if errors:
        raise RuntimeError(f"{len(errors)} client threads failed") from errors[0]
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a client thread did not stop")
    seconds = time.perf_counter() - began
    merged = {SUBMIT: Calls(), POLL: Calls()}
    job_ids = []
    for calls, ids in per_thread:
        for kind in merged:
            merged[kind].extend(calls[kind])
        job_ids.extend(ids)
    return PhaseResult(merged, job_ids, seconds)


# --- big work for the busy phase ---------------------------------------------

class BigWork:
    """Both workers on 1 GiB jobs: a fixity check of the stored big package, then stores of
    the big bag queued ahead of the load; watched (from Redis, not through the API) and
    topped up from a background thread."""

    def __init__(self, service: Service, connection: redis.Redis, cp_uri: str, size: int,
                 big_package: str, store_seconds: float, duration: float):
        self.service = service
        self.connection = connection
        self.cp_uri = cp_uri
        self.size = size
        self.big_package = big_package
        self.stores_needed = WORKERS * (math.ceil(duration / store_seconds) + 1)
        self.open: dict[str, str | None] = {}  # job id -> package uuid of a store, None for fixity
        self.store_uuids: list[str] = []
        self.ended: Counter = Counter()
        self.samples: list[int] = []
        self.top_ups = 0
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _store(self) -> None:
        body = store_body(self.cp_uri, BAG_NAME, self.size)
        self.open[submit(self.service, "/api/v3/packages", body)] = body["uuid"]
        self.store_uuids.append(body["uuid"])

    def _wait_running(self, count: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while statuses(self.connection, list(self.open)).count("started") < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {count} big jobs running after {timeout} s")
            time.sleep(0.05)

    def begin(self) -> None:
        """Queue the big jobs, wait until both workers run one, start watching."""
        fixity_job = submit(self.service, f"/api/v3/packages/{self.big_package}/fixity", {})
        self.open[fixity_job] = None
        self._wait_running(1)
        for _ in range(self.stores_needed):
            self._store()
        self._wait_running(WORKERS)
        self.thread = threading.Thread(target=self._watch, name="big-work", daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        try:
            while not self.stop_event.wait(WATCH_INTERVAL):
                self.check()
        except BaseException as error:  # reported by end()
            self.error = error

    def check(self) -> None:
        """Count running big jobs; remove finished stores' copies; queue a store if none is queued."""
        running = queued = 0
        open_jobs = list(self.open.items())
        found = statuses(self.connection, [job_id for job_id, _ in open_jobs])
        for (job_id, package_uuid), status in zip(open_jobs, found):
            if status == "started":
                running += 1
            elif status in ENDED:
                del self.open[job_id]
                self.ended[f"{'store' if package_uuid else 'fixity'} {status}"] += 1
                if package_uuid:
                    remove(stored_path(self.service, package_uuid, BAG_NAME))
            else:
                queued += 1
        self.samples.append(running)
        if queued == 0:
            self._store()
            self.top_ups += 1

    def end(self) -> dict:
        """Stop watching; what was seen. The jobs still open are the caller's to cancel."""
        self.stop_event.set()
        self.thread.join(60)
        if self.error is not None:
            raise RuntimeError("watching the big jobs failed") from self.error
        both = sum(s >= WORKERS for s in self.samples) / len(self.samples) if self.samples else 0.0
        return {"both": both, "samples": len(self.samples), "ended": dict(self.ended),
                "queued_at_start": self.stores_needed + 1, "top_ups": self.top_ups}

    def remove_copies(self) -> None:
        """Remove every stored copy of the phase's stores (and any staging left)."""
        for package_uuid in self.store_uuids:
            remove(stored_path(self.service, package_uuid, BAG_NAME))


# --- setup ---------------------------------------------------------------------

def build_tiny_bags(service: Service) -> list[tuple[str, int]]:
    """TINY_BAGS bags of TINY_FILES small files in the CP location; (name, bytes) of each."""
    made = []
    for index in range(TINY_BAGS):
        name = f"tiny-{index}"
        bag = service.data_dir / "storage" / "cp" / name
        for number in range(TINY_FILES):
            write_random(bag / f"file-{number}.bin", TINY_FILE_BYTES)
        bagit.make_bag(str(bag), checksums=["sha256"])
        made.append((name, tree_stats(bag)[0]))
    return made


def wait_idle(connection: redis.Redis, timeout: float = 600.0) -> None:
    """Wait until no job is queued or running."""
    deadline = time.monotonic() + timeout
    while queued_and_running(connection) != (0, 0):
        if time.monotonic() > deadline:
            raise TimeoutError(f"service not idle after {timeout} s: {queued_and_running(connection)}")
        time.sleep(0.1)


def phase(name: str, service: Service, connection: redis.Redis, targets: Targets, args: argparse.Namespace,
          big: BigWork | None = None) -> PhaseResult:
    """One phase of the load (with big work behind it if `big`), then everything canceled."""
    wait_idle(connection)
    os.sync()
    if big is not None:
        print(f"  queuing big jobs: a fixity check, then {big.stores_needed} stores", flush=True)
        big.begin()
    cpu = CpuShares(service)
    cpu.start()
    print(f"{name} phase: {args.clients} clients for {args.duration:.0f} s", flush=True)
    result = run_load(service, targets, args.clients, args.duration)
    cpu.stop()
    result.cpu = cpu
    if big is not None:
        result.big = big.end()
    result.settled = cancel_jobs(service, result.job_ids)
    if big is not None:
        cancel_jobs(service, list(big.open))
    wait_idle(connection)
    if big is not None:
        big.remove_copies()
    calls = result.calls
    print(f"  {len(calls[SUBMIT].seconds)} submits, {len(calls[POLL].seconds)} polls "
          f"in {result.seconds:.1f} s; "
          f"p99 submit {calls[SUBMIT].percentile_ms(99):.1f} ms, poll {calls[POLL].percentile_ms(99):.1f} ms",
          flush=True)
    return result


def time_stores(service: Service, connection: redis.Redis, cp_uri: str, bag: Path,
                size: int) -> tuple[list[float], float]:
    """(seconds to a 202 of each v3 submission, seconds to the 201 of a v2 synchronous store)."""
    submits = []
    for _ in range(V3_SUBMITS):
        wait_idle(connection)
        prepare(bag)
        body = store_body(cp_uri, BAG_NAME, size)
        start = time.perf_counter()
        response = service.post("/api/v3/packages", json=body)
        submits.append(time.perf_counter() - start)
        if response.status_code != 202:
            raise RuntimeError(f"v3 store answered {response.status_code}: {response.text[:2000]}")
        status = wait_job(service, response.json()["id"])
        if status != "finished":
            raise RuntimeError(f"v3 store of the big bag ended {status}")
        remove(stored_path(service, body["uuid"], BAG_NAME))
        print(f"  v3 submit answered 202 in {submits[-1] * 1000:.1f} ms", flush=True)
    wait_idle(connection)
    prepare(bag)
    start = time.perf_counter()
    package_uuid = store_sync(service, cp_uri, BAG_NAME, size)
    sync_seconds = time.perf_counter() - start
    remove(stored_path(service, package_uuid, BAG_NAME))
    print(f"  v2 synchronous store answered 201 in {sync_seconds:.2f} s", flush=True)
    return submits, sync_seconds


# --- report ------------------------------------------------------------------

def autogroup() -> str:
    """`on`, `off` or `unknown`: whether the kernel shares CPU between sessions first."""
    try:
        setting = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
    except OSError:
        return "unknown"
    return {"1": "on", "0": "off"}.get(setting, "unknown")


def report(idle: PhaseResult, busy: PhaseResult, args: argparse.Namespace, mib: float,
           submits: list[float], sync_seconds: float, first_store: float) -> None:
    """Print the table, then the figure lines (last)."""
    print()
    print(f"{args.clients} clients, {args.duration:.0f} s per phase, {os.cpu_count()} cores "
          f"(autogroup scheduling {autogroup()}), {WORKERS} workers")
    print(f"each loop: 1 submit (v3 store of a tiny bag / v3 fixity of a tiny package, alternately) "
          f"+ {POLLS} polls")
    print(f"{'phase':<6} {'call':<7} {'requests':>8} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
          f"   non-2xx / failed")
    for name, result in (("idle", idle), ("busy", busy)):
        for kind in (SUBMIT, POLL):
            calls = result.calls[kind]
            print(f"{name:<6} {kind:<7} {len(calls.seconds):8d} {len(calls.seconds) / result.seconds:7.1f} "
                  f"{calls.percentile_ms(50):8.1f} {calls.percentile_ms(99):8.1f} "
                  f"{max(calls.seconds) * 1000:8.1f}   {calls.problems()}")
    print()
    for name, result in (("idle", idle), ("busy", busy)):
        settled = result.settled
        print(f"{name}: CPU, cores: {result.cpu.line()}")
        print(f"{name}: load jobs: {len(result.job_ids)} submitted; at the end {settled[409]} had ended, "
              f"{settled[200]} were canceled queued, {settled[202]} stopped running")
    big = busy.big
    print(f"busy: both workers on big jobs in {big['both'] * 100:.0f}% of {big['samples']} samples; "
          f"big jobs queued at the start {big['queued_at_start']}, added {big['top_ups']}, "
          f"ended in the phase: {big['ended'] or 'none'}")
    for name, result in (("idle", idle), ("busy", busy)):
        if result.cpu.cores["other processes"] > DISTURBED_CORES:
            print(f"warning: other processes used {result.cpu.cores['other processes']:.2f} cores in the "
                  f"{name} phase: something else ran beside the benchmark; rerun it")
    print(f"{mib:.0f} MiB store, idle system: v2 synchronous {sync_seconds:.2f} s to 201 (the first store, "
          f"at setup: {first_store:.2f} s); v3 submit to 202: "
          + " ".join(f"{s * 1000:.1f}" for s in submits) + " ms")
    print()
    idle_p99, busy_p99 = idle.p99_ms(), busy.p99_ms()
    print(f"figure idle_p99_ms {idle_p99:.1f}")
    print(f"figure busy_submit_p99_ms {busy.calls[SUBMIT].percentile_ms(99):.1f}")
    print(f"figure busy_poll_p99_ms {busy.calls[POLL].percentile_ms(99):.1f}")
    print(f"figure busy_p99_ms {busy_p99:.1f}")
    print(f"figure busy_vs_idle_p99 {busy_p99 / idle_p99:.2f}")
    print(f"figure v2_sync_store_s {sync_seconds:.2f}")
    print(f"figure v3_submit_ms {statistics.median(submits) * 1000:.1f}")


# --- main --------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Build the bags, store them, run both phases, time both store calls, report, clean up."""
    args = parse_args(argv)
    env = {"SS_SYNC_WAIT_SECONDS": str(SYNC_WAIT_SECONDS)}
    with session(args, "latency-", space=6, env=env, workers=WORKERS) as service:
        connection = redis.Redis.from_url(service.env["REDIS_URL"])
        cp_uri = service.location_uri("CP")
        bag, size, _ = build_service_bag(service, args.size_mib)
        tiny = build_tiny_bags(service)
        print("storing the big bag once (v2 synchronous) and each tiny bag", flush=True)
        prepare(bag)
        start = time.perf_counter()
        big_package = store_sync(service, cp_uri, BAG_NAME, size)
        first_store = time.perf_counter() - start
        print(f"  big bag stored in {first_store:.2f} s")
        targets = Targets(cp_uri, tiny, [store_sync(service, cp_uri, n, s) for n, s in tiny])
        idle = phase("idle", service, connection, targets, args)
        big = BigWork(service, connection, cp_uri, size, big_package, first_store, args.duration)
        busy = phase("busy", service, connection, targets, args, big)
        print("big bag stores on the idle system: v3 submit, then v2 synchronous", flush=True)
        submits, sync_seconds = time_stores(service, connection, cp_uri, bag, size)
        report(idle, busy, args, size / MIB, submits, sync_seconds, first_store)


if __name__ == "__main__":
    main()
