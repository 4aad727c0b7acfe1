"""The security pass: authentication everywhere, admin-only routes, no secrets leaking,
size and depth limits, callback destinations, safe download headers."""

from __future__ import annotations

import json
import re

import pytest

from api import create_app
from sspkg import users
from sspkg.constants import Role
from tests.bags import make_bag
from tests.helpers import store_body

OPEN_ROUTES = {"/healthz"}


def _sample(rule: str) -> str:
    rule = re.sub(r"<int:[^>]+>", "0", rule)
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10", rule)


def _every_route(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, _sample(rule.rule), rule.rule


def test_every_route_but_healthz_needs_authentication(app):
    client = app.test_client()
    checked = 0
    for method, path, rule in _every_route(app):
        if rule in OPEN_ROUTES:
            continue
        response = client.open(path, method=method, follow_redirects=True)
        assert response.status_code == 401, f"{method} {rule} answered {response.status_code}"
        checked += 1
    assert checked > 60
    assert client.get("/healthz").status_code in (200, 503)


def test_metrics_open_only_when_configured(fake_redis, tmp_path):
    app = create_app({"REDIS_CONNECTION": fake_redis, "SS_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://x",
                      "SS_METRICS_OPEN": True})
    assert app.test_client().get("/metrics").status_code == 200


ADMIN_ONLY = [
    ("POST", "/api/v2/space/", {"path": "/tmp/never-made"}),
    ("POST", "/api/v2/location/", {"space": "x", "purpose": "AS", "relative_path": "x"}),
    ("GET", "/api/v2/space/{space}/browse/", None),
    ("POST", "/api/v2/file/{package}/review_aip_deletion/", {"event_id": 1, "decision": "approve"}),
    ("POST", "/api/v2/file/{package}/review_aip_recovery/", {"event_id": 1, "decision": "approve"}),
    ("POST", "/api/v3/users", {"username": "mallory", "role": "admin"}),
    ("POST", "/api/v3/jobs/some-job/requeue", {}),
    ("POST", "/api/v3/jobs/requeue-failed", {}),
]


@pytest.mark.parametrize("method,path,body", ADMIN_ONLY)
def test_admin_only_routes_refuse_ordinary_users(client, catalogue, admin_headers, method, path, body):
    _, key = users.create_user(catalogue, "ordinary", Role.USER)
    space = client.get("/api/v2/space/", headers=admin_headers).get_json()["objects"][0]["uuid"]
    path = path.format(space=space, package="0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10")
    response = client.open(path, method=method, json=body, headers={"Authorization": f"ApiKey ordinary:{key}"})
    assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    assert catalogue.get("user", "mallory") is None


def test_secrets_stay_out_of_errors_jobs_and_documents(client, admin_headers, storage, new_uuid, fake_redis):
    wrong = client.get("/api/v2/file/", headers={"Authorization": "ApiKey admin:guess-0123456789"})
    assert "guess-0123456789" not in wrong.get_data(as_text=True)
    pipeline = client.post("/api/v2/pipeline/", headers=admin_headers,
                           json={"uuid": new_uuid(), "api_key": "pipeline-secret-42"})
    assert "pipeline-secret-42" not in pipeline.get_data(as_text=True)
    make_bag(storage / "cp" / "secretive", files=2)
    response = client.post("/api/v3/packages?username=admin&api_key=admin-key",
                           json=store_body(client, admin_headers, new_uuid(), "secretive"))
    job_hash = {k.decode(): v for k, v in fake_redis.hgetall(f"rq:job:{response.get_json()['id']}").items()}
    assert all(b"admin-key" not in value for value in job_hash.values())
    for key in fake_redis.keys("*"):
        if fake_redis.type(key) == b"string":
            assert b"admin-key" not in fake_redis.get(key), key
        if fake_redis.type(key) == b"string" and key.startswith(b"ss:pipeline:"):
            assert b"pipeline-secret-42" in fake_redis.get(key), "kept for the pipeline, never shown"


def test_deeply_nested_json_is_400(client, admin_headers):
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/api/v3/packages", data='{"uuid": ' + deep + "}", content_type="application/json",
                           headers=admin_headers)
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["message"] or "nested" in response.get_json()["message"]
    nested = json.dumps({"events": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})
    response = client.post("/api/v3/packages", data=nested, content_type="application/json", headers=admin_headers)
    assert response.status_code == 400
    assert "nested deeper" in response.get_json()["message"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/", "http://10.0.0.5/hook", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "file:///etc/passwd", "gopher://x/"])
def test_callbacks_to_internal_or_odd_destinations_are_refused(client, admin_headers, storage, new_uuid, url):
    make_bag(storage / "cp" / "cb", files=2)
    body = store_body(client, admin_headers, new_uuid(), "cb", callback_url=url)
    response = client.post("/api/v3/packages", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert "callback_url" in response.get_json()["message"]


def test_callback_allow_list(app, client, admin_headers, storage, new_uuid, monkeypatch):
    monkeypatch.setitem(app.config["SETTINGS"].values, "SS_CALLBACK_ALLOWED_HOSTS", "hooks.archive.example")
    make_bag(storage / "cp" / "allowed", files=2)
    refused = client.post("/api/v3/packages", headers=admin_headers, json=store_body(
        client, admin_headers, new_uuid(), "allowed", callback_url="https://elsewhere.example/x"))
    assert refused.status_code == 400
    accepted = client.post("/api/v3/packages", headers=admin_headers, json=store_body(
        client, admin_headers, new_uuid(), "allowed", callback_url="https://hooks.archive.example/x"))
    assert accepted.status_code == 202


def test_stored_html_is_served_as_an_inert_attachment(client, admin_headers, storage, new_uuid):
    bag = storage / "cp" / "html-bag"
    bag.mkdir(parents=True)
    (bag / "page.html").write_text("<script>alert(document.cookie)</script>")
    make_bag(bag, files=1)
    package_uuid = new_uuid()
    client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "html-bag"),
                headers=admin_headers)
    for url in (f"/api/v2/file/{package_uuid}/extract_file/?relative_path_to_file=data/page.html",
                f"/api/v2/file/{package_uuid}/download/"):
        response = client.get(url, headers=admin_headers)
        assert response.status_code == 200
        assert not response.headers["Content-Type"].startswith("text/html")
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]


def test_space_creation_confined_to_allowed_roots(app, client, admin_headers, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config["SETTINGS"].values, "SS_ALLOWED_SPACE_ROOTS", str(tmp_path / "spaces"))
    refused = client.post("/api/v2/space/", json={"path": str(tmp_path / "elsewhere")}, headers=admin_headers)
    assert refused.status_code == 400
    assert not (tmp_path / "elsewhere").exists()
    ok = client.post("/api/v2/space/", json={"path": str(tmp_path / "spaces" / "one")}, headers=admin_headers)
    assert ok.status_code == 201
