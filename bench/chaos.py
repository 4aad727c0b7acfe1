"""Soak: does every accepted store finish, once, while workers are killed and Redis restarts?

Not a timed benchmark. One run starts a redis-server of its own (append-only
file on) and the real service on it (gunicorn, --workers kept RQ workers, the
supervisor; ``SS_SYNC_WAIT_SECONDS=600`` so a fixity check answers
synchronously), builds --jobs BagIt bags in the CP location (``tests.bags.make_bag``:
mostly a few KiB to a few hundred KiB, some of 1-8 MiB, a few of 16-48 MiB and
a few of 80-100 MiB, at least one of those; sizes drawn with --seed) and
stores each once through ``POST /api/v3/packages`` (copy mode, a new uuid
each). A 503 or a refused connection (the Redis restart) is answered by
sending the same body again, which the API treats as the same request.

Submissions are spread over at least --span seconds (default (--min-kills +
10) x --kill-every: a healthy service stores these bags in well under a
minute here, and the kills need work to fall on), and at most --backlog
accepted jobs (default 2 x --workers) are unfinished at any time: RQ puts a
retried job at the back of its queue, and behind a deep queue the recovery
time would measure the queue rather than the recovery (--span 0 --backlog 0
submits everything at once).

Meanwhile:

* every --kill-every seconds (times 0.5 to 1.5, at random) one RQ worker is
  SIGKILLed together with its work-horse. Candidates are the workers
  registered in Redis (``rq:workers`` -> ``rq:worker:<name>`` field ``pid``)
  whose process is alive and a child of one of this run's keepers. The
  victim is drawn at random among those running a job at that moment. If
  none is (small stores take a fraction of a second, so workers are mostly
  idle between submissions), the killer waits up to --kill-every seconds
  for a worker to start a job, then a random 0-1 s more, and kills that
  worker if it still runs the same job (so a short job mostly escapes and a
  long one is caught at a random point, not at its start); a job that ends
  first sends it back to waiting. When the wait runs out, a random live
  worker is killed (an idle kill); if none is alive (the keepers wait
  before restarting one), that time passes without a kill.
  The worker and every process of its session (the keeper starts it in a
  session of its own; its horses stay in it) are stopped with SIGSTOP, the job it runs is read (``current_job``, or, when its horse
  has not yet marked the job started, the execution RQ recorded for it in
  ``rq:wip:<queue>``; then ``rq:job:<id>`` status and ``started_at``), and
  all of them get SIGKILL. The keeper starts the replacement by itself;
  this script starts none. Kills go on until all jobs have ended and at
  least --min-kills were made (kills after the last job ended hit idle
  workers and are counted apart).
* once, at the first kill time after half of the jobs were submitted at
  which a live worker runs a job (or 60 s later in any case), Redis is
  restarted instead of a kill: ``stop()`` (SIGTERM, the append-only file is
  flushed), 2 s, ``start()`` on the same port and directory.
* a monitor thread polls Redis every 50 ms for each killed job: its re-start is
  the first time it is seen ``started`` on another worker (or with another
  ``started_at``), timed from the new ``started_at`` that RQ records; if the
  job already ended when it is seen, a new ``started_at`` still dates the
  re-start, else the moment it was seen finished. A killed job that fails
  for good never recovers and counts as infinite. The monitor also times how
  long a killed worker's keeper takes to register a replacement.

When every job has ended (bounded by 15 minutes after the last submission),
the run checks every stored package with a fresh fixity check
(``GET /api/v2/file/<uuid>/check_fixity/``, ``success: true``), counts stored
copies on disk under ``<data>/storage/as/`` per bag name and package records
per uuid (and per origin path) in ``GET /api/v2/file/`` (every copy or record
beyond the first is a duplicate), and, at least three supervisor rounds after
the last job ended, lists what is left under
``<data>/storage/as/.sspkg-staging/`` (orphans). It ends with the failed or
unfinished jobs and their errors, every kill, a summary of the service's logs
(``<data>/logs/``: warnings, errors, the keepers' restart delays), and the
``figure <name> <value>`` lines, last.

Targets: finished = verified = --jobs, duplicates 0, orphans 0,
recovery_p99_s at most 30 (p50 and p99 with linear interpolation between
ranks).

    python bench/chaos.py                       # 200 jobs, 3 workers, a kill every ~4 s
    python bench/chaos.py --jobs 40 --min-kills 8 --keep
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
import requests  # noqa: E402

from bench.common import DESTINATION, MIB, release_work, tree_stats  # noqa: E402
from sspkg.paths import uuid_to_path  # noqa: E402
from sspkg.redis_server import RedisServer  # noqa: E402
from sspkg.storing import STAGING_DIR  # noqa: E402
from tests.bags import make_bag  # noqa: E402
from tests.servers import Service  # noqa: E402

FINAL = frozenset({"finished", "failed", "canceled", "stopped"})
"""RQ job statuses after which nothing more happens to a job."""

POLL = 0.05
"""Seconds between two looks at the killed jobs (and, before a kill, at the workers)."""

KILL_DELAY = 1.0
"""Most seconds a kill waits after catching a worker as it starts a job."""

STATUS_POLL = 1.0
"""Seconds between two reads of every job's status."""

FINISH_TIMEOUT = 15 * 60
"""Seconds the jobs get to end after the last submission."""

SUPERVISOR_ROUNDS = 3
"""Supervisor rounds (SS_SUPERVISOR_INTERVAL, 5 s) between the last job's end and the orphan count."""

SUPERVISOR_INTERVAL = 5.0

SUBMIT_PATIENCE = 180.0
"""Seconds one submission keeps being retried (503s, refused connections)."""


# --- bags --------------------------------------------------------------------

@dataclass
class Bag:
    """One bag to store: its name in the CP location, shape, package uuid and what became of it."""

    index: int
    name: str
    files: int
    big_mib: int
    uuid: str
    size: int = 0
    job: str | None = None
    accepted_at: float | None = None
    rejected: str | None = None
    submit_retries: int = 0


def plan_bags(count: int, rng: random.Random) -> list[Bag]:
    """Shapes of `count` bags: 70 % small, 20 % 1-8 MiB, 7 % 16-48 MiB, 3 % 80-100 MiB."""
    bags = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.70:
            files, big = rng.randint(3, 60), 0
        elif roll < 0.90:
            files, big = rng.randint(10, 200), rng.randint(1, 8)
        elif roll < 0.97:
            files, big = rng.randint(10, 100), rng.randint(16, 48)
        else:
            files, big = rng.randint(10, 50), rng.randint(80, 100)
        bags.append(Bag(index, f"chaos-{index:03d}", files, big, str(uuid.UUID(int=rng.getrandbits(128), version=4))))
    if count >= 10 and not any(b.big_mib >= 80 for b in bags):
        bags[rng.randrange(count)].big_mib = 100
    return bags


def planned_bytes(bags: list[Bag]) -> int:
    """About how many bytes the bags take (small files are at most ~2 KiB each)."""
    return sum(b.big_mib * MIB + b.files * 2200 + 8192 for b in bags)


def build_bags(cp: Path, bags: list[Bag]) -> None:
    """Make every bag in the CP location (sequentially: bagit changes the working directory)."""
    started = time.monotonic()
    for bag in bags:
        make_bag(cp / bag.name, files=bag.files, big_bytes=bag.big_mib * MIB)
        bag.size = tree_stats(cp / bag.name)[0]
    total = sum(b.size for b in bags)
    print(f"built {len(bags)} bags, {total / MIB:.0f} MiB (smallest {min(b.size for b in bags) / 1024:.0f} KiB, "
          f"largest {max(b.size for b in bags) / MIB:.0f} MiB) in {time.monotonic() - started:.0f} s", flush=True)


# --- processes ---------------------------------------------------------------

def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, session, ...)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    fields = proc_stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def parent_of(pid: int) -> int | None:
    fields = proc_stat(pid)
    return int(fields[1]) if fields else None


def session_members(sid: int) -> list[int]:
    """Live processes of session `sid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields and int(fields[3]) == sid and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def is_our_worker(pid: int, keepers: set[int]) -> bool:
    """`pid` runs `sspkg worker --no-keeper` under one of this run's keepers."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    args = command.split(b"\0")
    return b"worker" in args and b"--no-keeper" in args and parent_of(pid) in keepers and alive(pid)


# --- statistics --------------------------------------------------------------

def percentile(values: list[float], percent: float) -> float:
    """Linear interpolation between closest ranks; nan for no values; inf passes through."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * percent / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high or ordered[high] == ordered[low]:
        return ordered[low]
    if math.isinf(ordered[high]):
        return math.inf
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def parse_rq_time(value: bytes | None) -> float | None:
    """Seconds since the epoch of an RQ timestamp (``2024-01-01T00:00:00.123456Z``)."""
    if not value:
        return None
    text = value.decode().rstrip("Z")
    for layout in ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    return None


# --- the run -----------------------------------------------------------------

@dataclass
class Kill:
    """One SIGKILL of a worker and its horses, and what followed."""

    number: int
    at: float  # time.monotonic() just after the SIGKILLs
    wall: float  # time.time() at the same moment
    worker: str
    pid: int
    keeper: int
    victims: list[int]
    job: str | None = None
    job_status: str | None = None
    started_at: bytes | None = None
    detected_at: float | None = None  # first seen taken from the dead worker (scheduled or queued)
    queued_at: float | None = None  # first seen back in its queue
    recovered_at: float | None = None  # monotonic time of the job's re-start
    outcome: str = ""  # "", "started", "finished", "failed", ... once resolved
    replaced_at: float | None = None  # monotonic time a new worker of the keeper registered
    after_last_job: bool = False

    @property
    def resolved(self) -> bool:
        return self.job is None or bool(self.outcome)

    @property
    def recovery(self) -> float | None:
        """Seconds from the kill to the job's re-start; inf if it never ran again."""
        if self.job is None:
            return None
        if self.recovered_at is None:
            return math.inf
        return self.recovered_at - self.at


class Chaos:
    """Submits the bags, kills workers, restarts Redis once, watches the jobs."""

    def __init__(self, service: Service, own_redis: RedisServer, bags: list[Bag], args: argparse.Namespace):
        self.service = service
        self.own_redis = own_redis
        self.bags = bags
        self.args = args
        self.rng = random.Random(args.seed + 1)
        self.keepers = {p.pid for p in service.workers}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.kills: list[Kill] = []
        self.statuses: dict[str, str | None] = {}  # job id -> last seen RQ status
        self.ended_at: dict[str, float] = {}  # job id -> monotonic time first seen final
        self.submitted = 0
        self.submitting_done = False
        self.redis_restart: tuple[float, float] | None = None  # (stopped at, answering again at)
        self.redis_errors = 0
        self.idle_ticks = 0  # kill times at which no worker was alive
        self.running_at_restart: list[str] = []
        self.half_submitted_at: float | None = None
        self.start = time.monotonic()
        self.last_job_ended: float | None = None
        self.all_final_at: float | None = None
        self.cp_uri = service.location_uri("CP")
        self.threads = [threading.Thread(target=self._guard(self.monitor), name="monitor", daemon=True),
                        threading.Thread(target=self._guard(self.killer), name="killer", daemon=True)]
        self.thread_errors: list[str] = []

    def connection(self) -> redis.Redis:
        return redis.Redis.from_url(self.own_redis.url, socket_timeout=2, socket_connect_timeout=1)

    def _guard(self, function):
        def run():
            try:
                function()
            except Exception as error:  # noqa: BLE001 - a crashed helper must show, not hang the run
                self.thread_errors.append(f"{threading.current_thread().name}: {type(error).__name__}: {error}")
                print(f"!! {threading.current_thread().name} thread failed: {error!r}", flush=True)
        return run

    def elapsed(self, moment: float | None = None) -> float:
        return (time.monotonic() if moment is None else moment) - self.start

    # --- submitting ---

    def submit(self, bag: Bag) -> None:
        """POST the store; retried with the same body on 5xx or no answer."""
        body = {"uuid": bag.uuid, "package_type": "AIP", "origin_location": self.cp_uri,
                "origin_path": bag.name, "current_location": DESTINATION, "current_path": bag.name}
        deadline = time.monotonic() + SUBMIT_PATIENCE
        while True:
            problem = None
            try:
                response = requests.post(self.service.url + "/api/v3/packages", json=body,
                                         headers=self.service.headers, timeout=30, allow_redirects=False)
            except requests.RequestException as error:
                problem = f"{type(error).__name__}"
            else:
                if response.status_code == 202:
                    bag.job = response.json()["id"]
                elif response.status_code == 200:  # the package exists already (an earlier try got through)
                    job = response.json().get("job") or {}
                    bag.job = job.get("id") or f"store-{bag.uuid}-1"
                elif response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                else:
                    bag.rejected = f"HTTP {response.status_code}: {response.text[:200]}"
                    print(f"!! {bag.name} refused: {bag.rejected}", flush=True)
                    return
            if bag.job:
                bag.accepted_at = time.monotonic()
                with self.lock:
                    self.statuses[bag.job] = "queued"
                return
            bag.submit_retries += 1
            if time.monotonic() > deadline:
                bag.rejected = f"not accepted within {SUBMIT_PATIENCE:.0f} s: {problem}"
                print(f"!! {bag.name}: {bag.rejected}", flush=True)
                return
            time.sleep(0.5)

    def unfinished(self) -> int:
        with self.lock:
            return sum(1 for s in self.statuses.values() if s not in FINAL)

    def submit_all(self) -> None:
        """Submit every bag within the backlog (and spread over --span seconds if given)."""
        spacing = self.args.span / max(len(self.bags), 1)
        print(f"submitting {len(self.bags)} stores, at most {self.args.backlog or 'any number of'} unfinished "
              f"at a time" + (f", over at least {self.args.span:g} s" if self.args.span else ""), flush=True)
        next_report = time.monotonic() + 10
        for index, bag in enumerate(self.bags):
            while not self.stop.is_set():
                due = self.start + index * spacing <= time.monotonic()
                room = not self.args.backlog or self.unfinished() < self.args.backlog
                if due and room:
                    break
                time.sleep(0.05)
                if time.monotonic() >= next_report:
                    self.progress()
                    next_report = time.monotonic() + 10
            if self.stop.is_set():
                break
            self.submit(bag)
            with self.lock:
                self.submitted += 1
        self.submitting_done = True
        print(f"[{self.elapsed():6.1f} s] all submitted", flush=True)

    # --- killing ---

    def live_workers(self, connection: redis.Redis) -> list[tuple[str, int, str | None]]:
        """(name, pid, current job) of every registered worker of this run that is alive."""
        found = []
        for raw in connection.smembers("rq:workers"):
            name = raw.decode().split("rq:worker:", 1)[-1]
            pid, job = connection.hmget(f"rq:worker:{name}", "pid", "current_job")
            if pid and is_our_worker(int(pid), self.keepers):
                found.append((name, int(pid), job.decode() if job else None))
        return found

    def candidates(self, connection: redis.Redis, patience: float) -> list[tuple[str, int, str | None]]:
        """Workers to kill one of: the live workers running a job, if any; else, once one
        starts a job within `patience` s, that worker after a random delay of up to
        KILL_DELAY s if it still runs that job (a short job mostly escapes, a long one is
        caught at a random point); else every live worker (an idle kill). [] if no worker is
        alive or Redis is away."""
        deadline = time.monotonic() + patience
        while True:
            try:
                workers = self.live_workers(connection)
            except redis.RedisError:
                return []
            busy = [w for w in workers if w[2]]
            if busy:
                return busy
            while time.monotonic() < deadline and not self.stop.is_set():
                time.sleep(POLL)
                try:
                    started = [w for w in self.live_workers(connection) if w[2]]
                except redis.RedisError:
                    return []
                if started:
                    break
            else:
                return workers
            chosen = self.rng.choice(started)
            time.sleep(self.rng.uniform(0, KILL_DELAY))
            try:
                still = [w for w in self.live_workers(connection) if w[:3] == chosen[:3]]
            except redis.RedisError:
                return []
            if still:
                return still

    def kill_one(self, connection: redis.Redis, workers: list[tuple[str, int, str | None]]) -> Kill | None:
        """SIGKILL one of `workers` (at random) with its horses; None if none could be."""
        if not workers:
            return None
        name, pid, _ = self.rng.choice(workers)
        keeper = parent_of(pid)
        if keeper not in self.keepers:
            return None
        signal_all([pid], signal.SIGSTOP)  # no new horse from here on
        victims = [pid] + [p for p in session_members(pid) if p != pid]
        signal_all(victims, signal.SIGSTOP)
        job = status = started_at = None
        try:
            current = connection.hget(f"rq:worker:{name}", "current_job")
            job = current.decode() if current else self.execution_of(connection, name)
            if job:
                raw_status, started_at = connection.hmget(f"rq:job:{job}", "status", "started_at")
                status = raw_status.decode() if raw_status else None
        except redis.RedisError:
            pass
        signal_all(victims, signal.SIGKILL)
        for _ in range(20):  # anything the session still holds (a horse forked in between)
            left = session_members(pid)
            if not left:
                break
            victims += [p for p in left if p not in victims]
            signal_all(left, signal.SIGKILL)
            time.sleep(0.01)
        kill = Kill(number=0, at=time.monotonic(), wall=time.time(), worker=name, pid=pid, keeper=keeper,
                    victims=victims, job=job if status not in FINAL else None, job_status=status,
                    started_at=started_at, after_last_job=self.all_final_at is not None)
        with self.lock:
            kill.number = len(self.kills) + 1
            self.kills.append(kill)
        what = f"job {job} ({status})" if job else "no job"
        if job and status not in FINAL and status != "started":
            what += ", taken but not yet marked started by its horse"
        if job and status in FINAL:
            what += ", already ended: not counted as a hit"
        print(f"[{self.elapsed(kill.at):6.1f} s] kill {kill.number}: worker {name[:8]} pid {pid} "
              f"(+{len(victims) - 1} horse) running {what}", flush=True)
        return kill

    @staticmethod
    def execution_of(connection: redis.Redis, worker: str) -> str | None:
        """The job `worker` has taken but whose horse has not yet marked it started: RQ records
        the execution (``rq:wip:<queue>`` member ``<job>:<execution>``, hash
        ``rq:execution:<job>:<execution>`` with ``worker_name``) before it forks the horse, and
        only the horse sets ``current_job`` and the job's status ``started``."""
        for key in connection.scan_iter("rq:wip:*", count=100):
            for member in connection.zrange(key, 0, -1):
                member = member.decode()
                if connection.hget(f"rq:execution:{member}", "worker_name") == worker.encode():
                    return member.rsplit(":", 1)[0]
        return None

    def restart_redis(self, running: list[str]) -> None:
        """Stop Redis (SIGTERM: the append-only file is flushed), wait 2 s, start it again;
        `running`: the jobs live workers are running."""
        self.running_at_restart = running
        stopped = time.monotonic()
        print(f"[{self.elapsed(stopped):6.1f} s] restarting Redis (live workers running "
              f"{', '.join(running) or 'nothing'})", flush=True)
        self.own_redis.stop()
        time.sleep(2)
        self.own_redis.start()
        self.redis_restart = (stopped, time.monotonic())
        print(f"[{self.elapsed():6.1f} s] Redis answers again ({time.monotonic() - stopped:.1f} s down)",
              flush=True)

    def enough_kills(self) -> bool:
        with self.lock:
            return len(self.kills) >= self.args.min_kills

    def killer(self) -> None:
        connection = self.connection()
        next_at = self.start + self.args.kill_every * self.rng.uniform(0.5, 1.5)
        while not self.stop.is_set():
            if time.monotonic() < next_at:
                self.stop.wait(min(0.1, next_at - time.monotonic()))
                continue
            if self.all_final_at is not None and self.enough_kills():
                return
            patience = 0.0 if self.all_final_at is not None else self.args.kill_every
            workers = self.candidates(connection, patience)
            running = [w[2] for w in workers if w[2]]
            if self.redis_restart is None and self.submitted >= len(self.bags) // 2:
                self.half_submitted_at = self.half_submitted_at or time.monotonic()
            if self.half_submitted_at and self.redis_restart is None and (
                    running or time.monotonic() - self.half_submitted_at > 60):
                self.restart_redis(running)  # this time instead of a kill, with a job running if possible
            elif self.kill_one(connection, workers) is None:  # no worker alive (or Redis away)
                self.idle_ticks += 1
            next_at = time.monotonic() + self.args.kill_every * self.rng.uniform(0.5, 1.5)

    # --- watching ---

    def monitor(self) -> None:
        connection = self.connection()
        last_status = last_workers = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            try:
                self.check_recoveries(connection)
                if now - last_workers >= 0.25:
                    self.check_replacements(connection)
                    last_workers = now
                if now - last_status >= STATUS_POLL:
                    self.poll_statuses(connection)
                    last_status = now
            except redis.RedisError:
                self.redis_errors += 1
                time.sleep(0.2)
            time.sleep(POLL)

    def check_recoveries(self, connection: redis.Redis) -> None:
        with self.lock:
            pending = [k for k in self.kills if not k.resolved]
        if not pending:
            return
        with connection.pipeline(transaction=False) as pipe:
            for kill in pending:
                pipe.hmget(f"rq:job:{kill.job}", "status", "worker_name", "started_at")
            answers = pipe.execute()
        now, wall = time.monotonic(), time.time()
        for kill, (status, worker, started_at) in zip(pending, answers):
            status = status.decode() if status else None
            # (a job killed before its horse marked it started is "queued" from the start)
            changed = status != kill.job_status
            if status in ("scheduled", "queued") and changed and kill.detected_at is None:
                kill.detected_at = now
            if status == "queued" and changed and kill.queued_at is None:
                kill.queued_at = now
            restarted = started_at is not None and started_at != kill.started_at
            if status == "started" and (restarted or (worker and worker.decode() != kill.worker)):
                kill.recovered_at = self._restart_time(kill, started_at, now, wall)
                kill.outcome = "started"
            elif status == "finished":
                kill.recovered_at = self._restart_time(kill, started_at, now, wall) if restarted else now
                kill.outcome = "finished"
            elif status in FINAL:
                kill.outcome = status
            else:
                continue
            recovery = kill.recovery
            print(f"[{self.elapsed(now):6.1f} s]   kill {kill.number}: job {kill.job} "
                  + (f"{kill.outcome} again after {recovery:.1f} s" if not math.isinf(recovery)
                     else f"{kill.outcome}, never ran again"), flush=True)

    @staticmethod
    def _restart_time(kill: Kill, started_at: bytes | None, now: float, wall: float) -> float:
        """Monotonic time of the re-start: from RQ's new started_at if plausible, else `now`."""
        moment = parse_rq_time(started_at)
        if moment is None or not kill.wall - 1 <= moment <= wall + 1:
            return now
        return kill.at + max(moment - kill.wall, 0.0)

    def check_replacements(self, connection: redis.Redis) -> None:
        with self.lock:
            pending = [k for k in self.kills if k.replaced_at is None]
        if not pending:
            return
        now = time.monotonic()
        by_keeper = {}
        for name, pid, _ in self.live_workers(connection):
            by_keeper.setdefault(parent_of(pid), []).append(pid)
        for kill in pending:
            if any(pid != kill.pid for pid in by_keeper.get(kill.keeper, [])):
                kill.replaced_at = now

    def poll_statuses(self, connection: redis.Redis) -> None:
        with self.lock:
            jobs = list(self.statuses)
        if not jobs:
            return
        with connection.pipeline(transaction=False) as pipe:
            for job in jobs:
                pipe.hget(f"rq:job:{job}", "status")
            answers = pipe.execute()
        now = time.monotonic()
        with self.lock:
            for job, status in zip(jobs, answers):
                status = status.decode() if status else None
                self.statuses[job] = status
                if status in FINAL:
                    self.ended_at.setdefault(job, now)

    def counts(self) -> Counter:
        with self.lock:
            return Counter(s or "missing" for s in self.statuses.values())

    def progress(self) -> None:
        counts = self.counts()
        connection = self.connection()
        try:
            workers = len(self.live_workers(connection))
        except redis.RedisError:
            workers = "?"
        print(f"[{self.elapsed():6.1f} s] submitted {self.submitted}/{len(self.bags)}, "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              + f"; kills {len(self.kills)}; live workers {workers}; load {os.getloadavg()[0]:.1f}", flush=True)

    # --- the whole run ---

    def run(self) -> None:
        """Submit, kill and restart while the jobs run; return once all ended (or the deadline)."""
        self.start = time.monotonic()
        for thread in self.threads:
            thread.start()
        self.submit_all()
        deadline = time.monotonic() + FINISH_TIMEOUT
        next_report = time.monotonic()
        while time.monotonic() < deadline:
            counts = self.counts()
            killer_gone = not self.threads[1].is_alive()
            if sum(counts[s] for s in FINAL) == len(self.statuses) and (self.redis_restart or killer_gone):
                break
            if time.monotonic() >= next_report:
                self.progress()
                next_report = time.monotonic() + 10
            time.sleep(0.5)
        else:
            print(f"!! not every job ended within {FINISH_TIMEOUT} s of the last submission", flush=True)
        self.all_final_at = time.monotonic()
        with self.lock:
            self.last_job_ended = max(self.ended_at.values(), default=self.all_final_at)
        self.progress()
        kill_deadline = time.monotonic() + (self.args.min_kills + 5) * self.args.kill_every * 2
        while not self.enough_kills() and self.threads[1].is_alive() and time.monotonic() < kill_deadline:
            time.sleep(0.5)  # the killer goes on (idle workers) until --min-kills
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(k.resolved for k in self.kills):
            time.sleep(0.2)
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


# --- checks after the run ----------------------------------------------------

def api_json(service: Service, path: str, timeout: float = 30) -> dict:
    response = requests.get(service.url + path, headers=service.headers, timeout=timeout)
    response.raise_for_status()
    return response.json()


def fixity(service: Service, package_uuid: str) -> tuple[bool, str]:
    """(success, what went wrong) of a fresh fixity check."""
    try:
        response = requests.get(f"{service.url}/api/v2/file/{package_uuid}/check_fixity/",
                                headers=service.headers, timeout=660)
    except requests.RequestException as error:
        return False, f"{type(error).__name__}: {error}"
    if response.status_code != 200:
        return False, f"HTTP {response.status_code}: {response.text[:200]}"
    report = response.json()
    if report.get("success") is True:
        return True, ""
    return False, f"{report.get('message')} {report.get('failures')}"[:300]


def all_packages(service: Service) -> list[dict]:
    records, offset = [], 0
    while True:
        page = api_json(service, f"/api/v2/file/?limit=1000&offset={offset}")
        records += page["objects"]
        offset += len(page["objects"])
        if not page["objects"] or offset >= page["meta"]["total_count"]:
            return records


def stored_copies(as_dir: Path, names: set[str]) -> dict[str, list[Path]]:
    """Every directory or file named like a bag under the AS location, staging excluded."""
    copies: dict[str, list[Path]] = {}
    for dirpath, dirnames, filenames in os.walk(as_dir):
        if Path(dirpath) == as_dir and STAGING_DIR in dirnames:
            dirnames.remove(STAGING_DIR)
        for name in [d for d in dirnames if d in names] + [f for f in filenames if f in names]:
            copies.setdefault(name, []).append(Path(dirpath) / name)
        dirnames[:] = [d for d in dirnames if d not in names]
    return copies


def staging_leftovers(as_dir: Path) -> list[str]:
    """Everything under the staging directory, two levels deep (<uuid>/<store|copy>)."""
    root = as_dir / STAGING_DIR
    if not root.is_dir():
        return []
    left = []
    for entry in sorted(root.iterdir()):
        inside = sorted(p.name for p in entry.iterdir()) if entry.is_dir() else []
        left.append(f"{entry.name}/{','.join(inside)}" if inside else entry.name)
    return left


NOISE = [(re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
         (re.compile(r"\b[0-9a-f]{12,}\b"), "<hex>"),
         (re.compile(r"\d+(\.\d+)?"), "<n>")]
PLAIN = re.compile(r"^\d{4}-\d\d-\d\d \S+ (?P<level>[A-Z]+) (?P<logger>\S+): (?P<message>.*)$")


def log_records(path: Path):
    """(level, logger, message) of every line of a service log: JSON lines or plain text."""
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
                yield entry.get("level", ""), entry.get("logger", ""), str(entry.get("message", ""))
                continue
            except ValueError:
                pass
        plain = PLAIN.match(line)
        if plain:
            yield plain["level"], plain["logger"], plain["message"]
        elif "Traceback" in line:
            yield "TRACEBACK", "", line


def log_summary(log_dir: Path) -> list[str]:
    """Per log: counts of warnings and errors, the commonest kinds; the keepers' restart delays."""
    lines = []
    for path in sorted(log_dir.glob("*.log")):
        counts: Counter = Counter()
        kinds: Counter = Counter()
        delays: Counter = Counter()
        for level, logger, message in log_records(path):
            delay = re.search(r"exited with (-?\d+); starting a new one in (\d+) s", message)
            if delay:
                delays[int(delay.group(2))] += 1
            if level in ("WARNING", "ERROR", "CRITICAL", "TRACEBACK"):
                counts[level] += 1
                text = f"{level} {logger}: {message}"
                for pattern, replacement in NOISE:
                    text = pattern.sub(replacement, text)
                kinds[text[:160]] += 1
        if not counts and not delays:
            continue
        lines.append(f"  {path.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                     + ("; keeper restart delays: " + ", ".join(f"{k} s x{v}" for k, v in sorted(delays.items()))
                        if delays else ""))
        for text, count in kinds.most_common(6):
            lines.append(f"      {count:4d} x {text}")
    return lines


@dataclass
class Results:
    finished: int = 0
    verified: int = 0
    disk_duplicates: int = 0
    record_duplicates: int = 0
    orphans: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check(chaos: Chaos) -> Results:
    """Fixity of every stored package, duplicates on disk and in the catalogue, staging left over."""
    service = chaos.service
    results = Results()
    accepted = [b for b in chaos.bags if b.job]
    as_dir = service.data_dir / "storage" / "as"
    kills_by_job = Counter(k.job for k in chaos.kills if k.job)
    # a kill before the horse marked the job started comes before the job's code counted an attempt
    kills_running = Counter(k.job for k in chaos.kills if k.job and k.job_status == "started")

    documents = {}
    for bag in accepted:
        try:
            documents[bag.uuid] = (api_json(service, f"/api/v3/jobs/{bag.job}"),
                                   api_json(service, f"/api/v2/file/{bag.uuid}/"))
        except requests.RequestException as error:
            results.problems.append(f"{bag.name}: job or package unreadable: {error}")
    for bag in accepted:
        if bag.uuid not in documents:
            continue
        job, package = documents[bag.uuid]
        extra = job["attempt"] - 1 - kills_running[bag.job]
        if extra > 0:
            results.notes.append(
                f"{bag.name}: job {job['id']} ran {job['attempt']} times, {kills_running[bag.job]} kills hit it "
                f"running" + (f" and {kills_by_job[bag.job] - kills_running[bag.job]} before it started"
                              if kills_by_job[bag.job] > kills_running[bag.job] else "")
                + (", it was running at the Redis restart" if bag.job in chaos.running_at_restart else "")
                + f" ({job['status']})")
        if job["status"] == "finished" and package["status"] == "UPLOADED":
            results.finished += 1
            continue
        error = job.get("error") or {}
        results.problems.append(
            f"{bag.name} ({bag.size / MIB:.1f} MiB, {bag.uuid}): job {job['id']} {job['status']} "
            f"after {job['attempt']}/{job['max_attempts']} attempts, {kills_by_job[bag.job]} kills; "
            f"package {package['status']}; error {error.get('type')}: {error.get('message')}"
            + (f"; package error: {package.get('error')}" if package.get("error") else ""))

    stored = [b for b in accepted if b.uuid in documents and documents[b.uuid][1]["status"] == "UPLOADED"]
    print(f"checking fixity of {len(stored)} stored packages", flush=True)
    started = time.monotonic()
    with ThreadPoolExecutor(max(chaos.args.workers, 1)) as pool:
        outcomes = list(pool.map(lambda b: fixity(service, b.uuid), stored))
    for bag, (ok, problem) in zip(stored, outcomes):
        if ok:
            results.verified += 1
        else:
            results.problems.append(f"{bag.name} ({bag.uuid}): fixity check failed: {problem}")
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)

    names = {b.name for b in chaos.bags}
    copies = stored_copies(as_dir, names)
    for bag in chaos.bags:
        found = copies.get(bag.name, [])
        expected = as_dir / uuid_to_path(bag.uuid) / bag.name
        if len(found) > 1:
            results.disk_duplicates += len(found) - 1
            results.problems.append(f"{bag.name}: {len(found)} copies on disk: {[str(p) for p in found]}")
        elif found and found[0] != expected:
            results.problems.append(f"{bag.name}: stored at {found[0]}, expected {expected}")
        elif not found and bag in stored:
            results.problems.append(f"{bag.name}: UPLOADED but no copy under {as_dir}")
    records = all_packages(service)
    for key, label in (("uuid", "uuid"), ("origin_path", "origin path")):
        counted = Counter(r[key] for r in records if r.get("origin_path") in names)
        for value, count in counted.items():
            if count > 1:
                results.record_duplicates += count - 1
                results.problems.append(f"{count} package records with {label} {value}")
    worker_logs = "\n".join(p.read_text(errors="replace") for p in service.log_dir.glob("worker-*.log"))
    for package_uuid, count in Counter(re.findall(r"stored package (\S+) \(", worker_logs)).items():
        if count > 1:
            results.problems.append(f"package {package_uuid} recorded as stored {count} times (worker logs)")
    by_uuid = {b.uuid: b for b in chaos.bags}
    for package_uuid, count in Counter(re.findall(r"Successfully completed store (\S+) job", worker_logs)).items():
        if count > 1:
            bag = by_uuid.get(package_uuid)
            results.notes.append(f"{bag.name if bag else package_uuid}: its store job ran to completion "
                                 f"{count} times (worker logs)")
    supervisor_log = service.log_dir / "supervisor.log"
    if supervisor_log.exists():
        requeued = Counter()
        for _, _, message in log_records(supervisor_log):
            found = re.match(r"supervisor: requeued \[(.*?)\]", message)
            if found:
                requeued.update(re.findall(r"'([^']+)'", found.group(1)))
        for job_id, count in requeued.items():
            results.notes.append(f"the supervisor requeued {job_id} (a job it found in no queue)"
                                 + (f" {count} times" if count > 1 else ""))

    quiet_since = chaos.last_job_ended or chaos.all_final_at or time.monotonic()
    wait = quiet_since + SUPERVISOR_ROUNDS * SUPERVISOR_INTERVAL + 2 - time.monotonic()
    if wait > 0:
        print(f"waiting {wait:.0f} s for {SUPERVISOR_ROUNDS} supervisor rounds before counting orphans", flush=True)
        time.sleep(wait)
    results.orphans = staging_leftovers(as_dir)
    for orphan in results.orphans:
        results.problems.append(f"left in staging: {as_dir / STAGING_DIR / orphan}")
    return results


# --- report ------------------------------------------------------------------

def fmt(value: float) -> str:
    return "inf" if math.isinf(value) else "nan" if math.isnan(value) else f"{value:.1f}"


def since(kill: Kill, moment: float | None) -> str:
    return "  -  " if moment is None else f"{moment - kill.at:5.1f}"


def stage_medians(hits: list[Kill]) -> str:
    """Medians of the three stages of a recovery, over the kills where each was seen."""
    def median(pairs):
        values = [max(b - a, 0.0) for a, b in pairs if a is not None and b is not None]
        return f"{percentile(values, 50):.1f}" if values else "n/a"
    detect = median((k.at, k.detected_at) for k in hits)
    wait = median((k.detected_at, k.queued_at) for k in hits)
    queue = median((k.queued_at, k.recovered_at) for k in hits if k.outcome == "started")
    return f"{detect} / {wait} / {queue} s"


def report(chaos: Chaos, results: Results) -> None:
    """Problems, kills, log summary, table, then the figure lines (last)."""
    bags = chaos.bags
    accepted = [b for b in bags if b.job]
    kills = chaos.kills
    hits = [k for k in kills if k.job]
    recoveries = [k.recovery for k in hits]
    replacements = [k.replaced_at - k.at for k in kills if k.replaced_at is not None]
    p50, p99 = percentile(recoveries, 50), percentile(recoveries, 99)
    duplicates = results.disk_duplicates + results.record_duplicates

    print()
    print("kills (t: seconds since the first submission; for a job: seconds from the kill until it was seen")
    print("taken from the dead worker, back in its queue, running again):")
    for kill in kills:
        replaced = f"{kill.replaced_at - kill.at:5.1f}" if kill.replaced_at else "  n/a"
        if kill.job:
            job = (f"{kill.job[:14]}..{kill.job[-2:]} taken {since(kill, kill.detected_at)} queued "
                   f"{since(kill, kill.queued_at)} running {fmt(kill.recovery)} ({kill.outcome or 'unresolved'})")
        else:
            job = "no job" + (f" (its job had {kill.job_status})" if kill.job_status else "")
        print(f"  {kill.number:3d} t={chaos.elapsed(kill.at):6.1f} worker {kill.worker[:8]} replaced in "
              f"{replaced} s  {job}" + ("  [after the last job]" if kill.after_last_job else ""))
    print()
    print("service logs:")
    for line in log_summary(chaos.service.log_dir) or ["  (no warnings or errors)"]:
        print(line)
    print()
    print("problems:" if results.problems or chaos.thread_errors else "problems: none")
    for problem in chaos.thread_errors + [f"{b.name}: {b.rejected}" for b in bags if b.rejected] + results.problems:
        print(f"  - {problem}")
    if results.notes:
        print("notes:")
        for note in results.notes:
            print(f"  - {note}")
    print()
    size = sum(b.size for b in bags)
    retried = sum(b.submit_retries for b in bags)
    restart = chaos.redis_restart
    print(f"{'jobs':<40} {len(bags)} bags, {size / MIB:.0f} MiB, {chaos.args.workers} workers, "
          f"kill every ~{chaos.args.kill_every:g} s")
    print(f"{'jobs accepted':<40} {len(accepted)}" + (f" ({retried} resubmissions after 5xx/no answer)"
                                                      if retried else ""))
    print(f"{'jobs finished (package UPLOADED)':<40} {results.finished}")
    print(f"{'packages verified by fixity check':<40} {results.verified}")
    print(f"{'duplicates (copies on disk / records)':<40} {duplicates} ({results.disk_duplicates} / "
          f"{results.record_duplicates})")
    print(f"{'orphan staging entries':<40} {len(results.orphans)}")
    print(f"{'kills':<40} {len(kills)} ({len(hits)} running a job, "
          f"{sum(1 for k in kills if k.after_last_job)} after the last job ended; "
          f"{chaos.idle_ticks} kill times found no live worker)")
    print(f"{'Redis restart':<40} " + (f"at {chaos.elapsed(restart[0]):.1f} s, down {restart[1] - restart[0]:.1f} s, "
                                       f"{len(chaos.running_at_restart)} jobs running" if restart else "not done"))
    print(f"{'recovery kill -> re-start p50 / p99 / max':<40} {fmt(p50)} / {fmt(p99)} / "
          f"{fmt(max(recoveries, default=math.nan))} s ({sum(1 for r in recoveries if math.isinf(r))} never)")
    print(f"{'  median: taken / retry wait / in queue':<40} {stage_medians(hits)}")
    print(f"{'worker replaced by keeper p50 / max':<40} {fmt(percentile(replacements, 50))} / "
          f"{fmt(max(replacements, default=math.nan))} s ({len(kills) - len(replacements)} not seen)")
    print(f"{'run':<40} {chaos.elapsed(chaos.all_final_at):.0f} s until every job ended")
    print()
    print(f"figure finished {results.finished}")
    print(f"figure verified {results.verified}")
    print(f"figure duplicates {duplicates}")
    print(f"figure orphans {len(results.orphans)}")
    print(f"figure kills {len(kills)}")
    print(f"figure recovery_p50_s {fmt(p50)}")
    print(f"figure recovery_p99_s {fmt(p99)}")


# --- main --------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200, help="store jobs (default 200)")
    parser.add_argument("--workers", type=int, default=3, help="kept RQ workers (default 3)")
    parser.add_argument("--kill-every", type=float, default=4.0,
                        help="mean seconds between two kills (default 4)")
    parser.add_argument("--min-kills", type=int, default=30, help="least kills in the run (default 30)")
    parser.add_argument("--backlog", type=int, default=None,
                        help="most unfinished jobs at a time (default 2 x workers; 0: no limit)")
    parser.add_argument("--span", type=float, default=None,
                        help="spread the submissions over at least this many seconds "
                             "(default (--min-kills + 10) x --kill-every; 0: as fast as the backlog allows)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the bag sizes and the kills (default 1)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work",
                        help="work directory (default bench/work/)")
    parser.add_argument("--keep", action="store_true", help="leave the run directory in place")
    args = parser.parse_args(argv)
    if args.backlog is None:
        args.backlog = 2 * args.workers
    if args.span is None:
        args.span = (args.min_kills + 10) * args.kill_every
    return args


def code_version() -> str:
    """The commit the service runs from, and which of its files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--", "sspkg", "api", "jobs", "config",
                                  "tests", "wsgi.py"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    changed = [line[3:] for line in changed if line.strip()]
    return head + (f", uncommitted changes in {', '.join(changed)}" if changed else ", no uncommitted changes")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"service code: {code_version()}", flush=True)
    bags = plan_bags(args.jobs, random.Random(args.seed))
    created_work = not args.work.exists()
    args.work.mkdir(parents=True, exist_ok=True)
    need = 2.5 * planned_bytes(bags) + 512 * MIB  # origin + stored copy + slack
    free = shutil.disk_usage(args.work).free
    if free < need:
        raise SystemExit(f"need about {need / MIB:.0f} MiB free in {args.work}, have {free / MIB:.0f}")
    run_dir = Path(tempfile.mkdtemp(prefix="chaos-", dir=args.work))
    own_redis = service = chaos = None
    try:
        own_redis = RedisServer(run_dir / "redis").start()
        service = Service(own_redis.url, run_dir / "var", workers=args.workers,
                          env={"SS_SYNC_WAIT_SECONDS": "600"})
        service.start()  # `service` is set first, so a failed start is stopped too
        print(f"service on {service.url}, Redis on {own_redis.url}, data in {service.data_dir}", flush=True)
        build_bags(service.data_dir / "storage" / "cp", bags)
        chaos = Chaos(service, own_redis, bags, args)
        chaos.run()
        results = check(chaos)
        report(chaos, results)
    finally:
        if chaos is not None:
            chaos.stop.set()
            for thread in chaos.threads:
                if thread.is_alive():
                    thread.join(10)
        if service is not None:
            service.stop()
        if own_redis is not None:
            own_redis.stop()
        release_work(args, run_dir, created_work)


if __name__ == "__main__":
    main()
