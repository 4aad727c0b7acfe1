"""`sspkg run`: the whole service in the foreground, as `make run` starts it.

Starts a private Redis when REDIS_URL is unset, bootstraps, prints the URLs
and the admin key, then runs every process of the Procfile under honcho.
Ctrl-C or SIGTERM stops the processes first and Redis last.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from config import Settings
from sspkg.bootstrap import bootstrap
from sspkg.catalogue import Catalogue
from sspkg.connection import worker_connection
from sspkg.redis_server import RedisServer

logger = logging.getLogger(__name__)


def _start_private_redis(settings: Settings) -> RedisServer:
    directory = settings.data_dir / "redis"
    server = RedisServer(directory, appendfsync=settings.SS_REDIS_APPENDFSYNC).start()
    (directory / "url").write_text(server.url + "\n")
    return server


def _banner(settings: Settings, redis_url: str, username: str, api_key: str | None) -> str:
    base = f"http://localhost:{settings.PORT}"
    key = f"{username}:{api_key}" if api_key else f"{username}:<key shown at first start>"
    return "\n".join([
        "sspkg is starting",
        f"  API v2:        {base}/api/v2/",
        f"  Redis:         {redis_url}",
        f"  Data:          {settings.data_dir}",
        f"  Admin API key: {key}",
        f"  Try:           curl -H 'Authorization: ApiKey {key}' {base}/api/v2/location/",
        "",
    ])


def run_service(settings: Settings, procfile: str = "Procfile", concurrency: str = "") -> int:
    """Run the service until interrupted; returns honcho's exit status."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = None if settings.REDIS_URL else _start_private_redis(settings)
    env = dict(os.environ, SS_DATA_DIR=str(settings.data_dir))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    honcho = None
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        redis_url = server.url if server else settings.REDIS_URL
        env["REDIS_URL"] = redis_url
        result = bootstrap(Catalogue(worker_connection(settings), settings.SS_REDIS_PREFIX), settings)
        print(_banner(settings, redis_url, result.username, result.api_key), flush=True)
        command = [sys.executable, "-m", "honcho", "start", "-f", procfile]
        if concurrency:
            command += ["-c", concurrency]
        honcho = subprocess.Popen(command, env=env)
        return honcho.wait()
    except KeyboardInterrupt:
        if honcho is not None:
            honcho.send_signal(signal.SIGINT)
            return honcho.wait()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server is not None:
            server.stop()
            (settings.data_dir / "redis" / "url").unlink(missing_ok=True)
