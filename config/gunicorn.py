"""gunicorn settings, from the environment (see config.defaults)."""

import os

from config import load_settings
from sspkg import logs

_settings = load_settings()

bind = f"{_settings.SS_HOST}:{_settings.PORT}"
worker_class = "gthread"
workers = int(os.environ.get("SS_WEB_WORKERS", "2"))
threads = int(os.environ.get("SS_WEB_THREADS", "8"))
timeout = int(_settings.SS_SYNC_WAIT_SECONDS) + 30
graceful_timeout = 30
accesslog = "-"
# The path without its query string: download links carry api_key there, and keys never reach logs.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'

# Several web processes may run on one host (tests, several services): no shared control socket.
control_socket_disable = True


def post_worker_init(worker):
    """Each web worker logs JSON lines (or text, SS_LOG_FORMAT=text), like the other processes."""
    logs.configure(os.environ.get("SS_LOG_LEVEL", "INFO"), os.environ.get("SS_LOG_FORMAT", "json"))
