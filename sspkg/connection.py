"""Redis connections with timeouts, so no caller hangs on an unreachable Redis."""

from __future__ import annotations

import redis

from config import Settings


def web_connection(settings: Settings) -> redis.Redis:
    """Connection pool for the web process: short timeouts, answers 503 fast."""
    timeout = float(settings.SS_REDIS_SOCKET_TIMEOUT)
    return redis.Redis.from_url(settings.redis_url, socket_timeout=timeout,
                                socket_connect_timeout=timeout, health_check_interval=30,
                                retry_on_timeout=False)


def worker_connection(settings: Settings) -> redis.Redis:
    """Connection for workers and tools: no read timeout (RQ blocks on dequeue)."""
    return redis.Redis.from_url(settings.redis_url,
                                socket_connect_timeout=float(settings.SS_REDIS_SOCKET_TIMEOUT),
                                health_check_interval=30)
