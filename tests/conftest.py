"""Fixtures: a fakeredis-backed app for fast tests, and real servers for end-to-end ones."""

from __future__ import annotations

import uuid
from pathlib import Path

import fakeredis
import pytest

from api import create_app
from sspkg import users
from sspkg.bootstrap import bootstrap
from sspkg.catalogue import Catalogue
from sspkg.constants import Role
from sspkg.redis_server import RedisServer


@pytest.fixture
def fake_redis():
    """An in-process Redis (fakeredis with Lua) for unit tests."""
    server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=server)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def app(fake_redis, data_dir):
    """The app on fakeredis, running jobs inside the request (RQ's synchronous mode)."""
    application = create_app({
        "REDIS_CONNECTION": fake_redis, "SS_QUEUE_ASYNC": False,
        "SS_DATA_DIR": str(data_dir), "REDIS_URL": "redis://unused",
        "SS_BOOTSTRAP_API_KEY": "admin:admin-key", "SS_SYNC_WAIT_SECONDS": 5,
    })
    application.testing = True
    bootstrap(Catalogue(fake_redis), application.config["SETTINGS"])
    return application


@pytest.fixture
def catalogue(fake_redis) -> Catalogue:
    return Catalogue(fake_redis)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_headers() -> dict:
    return {"Authorization": "ApiKey admin:admin-key"}


@pytest.fixture
def reader_headers(catalogue) -> dict:
    _, key = users.create_user(catalogue, "reader", Role.READER)
    return {"Authorization": f"ApiKey reader:{key}"}


@pytest.fixture
def storage(data_dir) -> Path:
    """Root of the bootstrap space; locations are its lower-cased purpose directories."""
    return data_dir / "storage"


@pytest.fixture
def new_uuid():
    return lambda: str(uuid.uuid4())


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on a free port, started for the test session and stopped after."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def real_redis(redis_server):
    """A client of the session's real Redis, flushed before and after each test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.flushall()


@pytest.fixture
def service(redis_server, real_redis, tmp_path):
    """The service's processes (gunicorn, a kept worker, the supervisor) on the session's Redis."""
    from tests.servers import Service

    running = Service(redis_server.url, tmp_path / "var").start()
    yield running
    running.stop()
