"""Redis unreachable: a JSON 503 within the socket timeout, never a hang or a 500."""

from __future__ import annotations

import time

from api import create_app
from sspkg.redis_server import free_port


def test_api_answers_503_quickly_when_redis_is_down(tmp_path):
    app = create_app({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "SS_DATA_DIR": str(tmp_path),
                      "SS_REDIS_SOCKET_TIMEOUT": 1.0})
    started = time.monotonic()
    response = app.test_client().get("/api/v2/file/", headers={"Authorization": "ApiKey a:b"})
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.get_json()["error"] is True
    assert "Redis" in response.get_json()["message"]
