"""Authentication and roles on every v2 route."""

from __future__ import annotations

import re

import pytest

from api.routes import UNSUPPORTED_V2, V2_ROUTES
from sspkg import users

ROUTE_SAMPLES = [(method.upper(), "/api/v2" + re.sub(r"<[^>]+>", "0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10", path))
                 for resource, path in V2_ROUTES
                 for method in ("get", "post", "put", "delete") if hasattr(resource, method)] + \
                [("GET", "/api/v2" + re.sub(r"<[^>]+>", "0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10", path))
                 for path in UNSUPPORTED_V2]


@pytest.mark.parametrize("method,path", ROUTE_SAMPLES)
def test_no_credentials_is_401_json_with_challenge(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 401
    assert response.get_json() == {"error": True, "message": response.get_json()["message"]}
    assert "ApiKey" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["ApiKey admin:wrong", "ApiKey nobody:admin-key", "ApiKey admin",
                                    "Basic YWRtaW46YWRtaW4ta2V5", "ApiKey :"])
def test_wrong_credentials_are_401(client, header):
    response = client.get("/api/v2/space/", headers={"Authorization": header})
    assert response.status_code == 401


def test_scheme_is_case_insensitive_and_query_string_works(client):
    assert client.get("/api/v2/space/", headers={"Authorization": "apikey admin:admin-key"}).status_code == 200
    assert client.get("/api/v2/space/?username=admin&api_key=admin-key").status_code == 200


def test_reader_reads_but_cannot_write(client, reader_headers, new_uuid):
    assert client.get("/api/v2/file/", headers=reader_headers).status_code == 200
    response = client.post("/api/v2/pipeline/", json={"uuid": new_uuid()}, headers=reader_headers)
    assert response.status_code == 403
    assert "only read" in response.get_json()["message"]


def test_ordinary_user_cannot_create_spaces(client, catalogue, tmp_path):
    _, key = users.create_user(catalogue, "pipeline-user")
    response = client.post("/api/v2/space/", json={"path": str(tmp_path / "space")},
                           headers={"Authorization": f"ApiKey pipeline-user:{key}"})
    assert response.status_code == 403
    assert not (tmp_path / "space").exists()


def test_keys_are_stored_hashed(catalogue, fake_redis):
    _, key = users.create_user(catalogue, "someone")
    raw = fake_redis.get("ss:user:someone").decode()
    assert key not in raw
    assert users.authenticate(catalogue, "someone", key).username == "someone"
    wrong = key[:-1] + ("1" if key.endswith("0") else "0")
    assert users.authenticate(catalogue, "someone", wrong) is None
