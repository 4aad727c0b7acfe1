"""Workers: the RQ worker with the service's settings, and the keeper that restarts it.

Workers run no RQ scheduler: the supervisor is the scheduler (a killed worker
holding the scheduler lock would stall every retry for a minute or more).

`sspkg worker` is a keeper: it runs the RQ worker in a child process of its own
session and starts a new one whenever it dies (a crash, a kill, a Redis outage
that made RQ exit), with backoff. SIGTERM or SIGINT to the keeper is passed to
the worker, which lets its job finish for SS_WORKER_GRACE seconds, then hands
it back to the queue (the job's retry), and exits; then the keeper exits.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from rq import Worker
from rq.serializers import JSONSerializer

from config import Settings
from sspkg.connection import worker_connection
from sspkg.queues import OPERATIONS, get_queue

logger = logging.getLogger(__name__)

MAX_BACKOFF = 5.0
STABLE_AFTER = 10.0


class ServiceWorker(Worker):
    """RQ worker with a short abandoned-job deadline and a bounded graceful stop."""

    heartbeat_grace = 10
    stop_grace = 20

    def get_heartbeat_ttl(self, job) -> int:
        """Heartbeat deadline: next beat plus a short grace (RQ adds a fixed 60 s)."""
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = min(job.timeout - self.current_job_working_time, interval)
        return int(interval) + self.heartbeat_grace

    def request_stop(self, signum, frame):
        """Warm shutdown, bounded: after `stop_grace` s the job's horse is killed and the
        job goes back to its queue through its retry."""
        super().request_stop(signum, frame)
        if self.horse_pid:
            timer = threading.Timer(self.stop_grace, self._hand_back)
            timer.daemon = True
            timer.start()

    def _hand_back(self) -> None:
        if self.horse_pid:
            self.log.warning("job still running %d s after the stop request; handing it back",
                             self.stop_grace)
            self.kill_horse(signal.SIGKILL)


def _lower_priority(nice: int) -> None:
    """Nice this process, and its session's scheduling group where the kernel groups by
    session (autogroup): a worker is a session of its own, so niceness alone would not
    yield its CPU to the web process."""
    os.nice(nice)
    try:
        with open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write(str(nice))
    except OSError:
        pass


def preload_jobs() -> None:
    """Import every job module before forking work-horses, so no job pays for the imports."""
    for function, _ in OPERATIONS.values():
        importlib.import_module(function.rsplit(".", 1)[0])


def run_worker(settings: Settings, queue_names: list[str] | None = None, burst: bool = False) -> bool:
    """Work jobs from `queue_names` (default: SS_QUEUES) until stopped (or drained, if burst)."""
    preload_jobs()
    if settings.SS_WORKER_NICE:
        _lower_priority(int(settings.SS_WORKER_NICE))
    connection = worker_connection(settings)
    queues = [get_queue(connection, name) for name in (queue_names or settings.queue_names)]
    worker = ServiceWorker(queues, connection=connection, serializer=JSONSerializer,
                           job_monitoring_interval=int(settings.SS_JOB_MONITORING_INTERVAL),
                           worker_ttl=int(settings.SS_WORKER_TTL),
                           maintenance_interval=int(settings.SS_MAINTENANCE_INTERVAL))
    worker.heartbeat_grace = int(settings.SS_HEARTBEAT_GRACE)
    worker.stop_grace = int(settings.SS_WORKER_GRACE)
    logger.info("worker %s on queues %s", worker.name, ", ".join(q.name for q in queues))
    return worker.work(burst=burst, with_scheduler=False, logging_level="INFO")


class Keeper:
    """Runs a command as a child and restarts it when it dies, until told to stop.

    A child killed by a signal is replaced at once; one that exits by itself
    (a crash, Redis gone) is restarted after a delay that doubles while it
    keeps dying young (up to MAX_BACKOFF) and resets once a child has lived
    STABLE_AFTER seconds. `on_death` runs after each unexpected death.
    """

    def __init__(self, command: list[str], name: str = "worker", on_death=None):
        self.command = command
        self.name = name
        self.on_death = on_death
        self.child: subprocess.Popen | None = None
        self.stopping = False

    def _stop(self, signum, _frame) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stopping:
            time.sleep(0.1)

    def run(self) -> int:
        """Keep the child running; returns its last exit status once stopped."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        backoff = 0.0
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command, start_new_session=True)
            code = self.child.wait()
            if self.stopping:
                return code
            if self.on_death is not None:
                try:
                    self.on_death(self.child.pid)
                except Exception:  # noqa: BLE001 - never let bookkeeping stop the keeping
                    logger.exception("could not hand back the dead %s's job", self.name)
            lived = time.monotonic() - started
            if code < 0 or lived > STABLE_AFTER:
                backoff = 0.0
            else:
                backoff = min(max(backoff * 2, 1.0), MAX_BACKOFF)
            logger.error("%s exited with %s after %.0f s; starting a new one in %.0f s",
                         self.name, code, lived, backoff)
            self._pause(max(backoff, 0.2))
            if self.stopping:
                return code


def hand_back_job_of(pid: int) -> None:
    """A worker process died: mark its running job abandoned now, so the supervisor's next
    round retries it instead of waiting for the heartbeat deadline."""
    from config import load_settings

    connection = worker_connection(load_settings())
    for key in connection.smembers("rq:workers"):
        worker = connection.hgetall(key)
        if int(worker.get(b"pid", 0)) != pid or not worker.get(b"current_job"):
            continue
        job_id = worker[b"current_job"].decode()
        for queue in worker.get(b"queues", b"").decode().split(","):
            wip = f"rq:wip:{queue}"
            for member, _ in connection.zscan_iter(wip, match=f"{job_id}:*"):
                connection.zadd(wip, {member: 0}, xx=True)
                logger.warning("worker pid %d died running %s; handed back", pid, job_id)


def keep(command: str, *args: str) -> int:
    """Run `sspkg <command> --no-keeper <args>` under a Keeper (restarted whenever it dies)."""
    argv = [sys.executable, "-m", "sspkg.cli", command, "--no-keeper", *args]
    return Keeper(argv, name=command, on_death=hand_back_job_of if command == "worker" else None).run()
