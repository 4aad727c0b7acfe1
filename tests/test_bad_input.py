"""Bad store requests: a clear 4xx naming the problem, and nothing written anywhere."""

from __future__ import annotations

import os

import pytest

from tests.bags import make_bag
from tests.helpers import all_paths, location_uri, store_body


@pytest.fixture
def origin_bag(storage):
    return make_bag(storage / "cp" / "good-bag", files=3)


@pytest.fixture
def snapshot(storage, fake_redis):
    """What is on disk and in Redis before a request, to compare with after it."""
    def take():
        return all_paths(storage), sorted(fake_redis.keys("ss:package*")), sorted(fake_redis.keys("rq:*"))
    return take


def _assert_rejected(client, headers, body, snapshot, status, *fragments):
    before = snapshot()
    response = client.post("/api/v2/file/async/", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    payload = response.get_json()
    assert payload["error"] is True
    for fragment in fragments:
        assert fragment in payload["message"], payload["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("field", ["uuid", "package_type", "origin_location", "origin_path",
                                   "current_location"])
def test_missing_field_is_named(client, admin_headers, origin_bag, snapshot, new_uuid, field):
    body = store_body(client, admin_headers, new_uuid(), "good-bag")
    del body[field]
    _assert_rejected(client, admin_headers, body, snapshot, 400, field, "Missing data")


@pytest.mark.parametrize("field,value,fragment", [
    ("uuid", "not-a-uuid", "uuid"),
    ("package_type", "SPACESHIP", "package_type"),
    ("size", -5, "size"),
    ("size", "lots", "size"),
    ("origin_path", 42, "origin_path"),
    ("origin_location", "/api/v2/pipeline/8d1e0c0c-6f2e-4d4e-9b7a-0f0c1d2e3f40/", "not a location URI"),
    ("origin_location", "nonsense", "origin_location"),
])
def test_malformed_field_is_named(client, admin_headers, origin_bag, snapshot, new_uuid,
                                  field, value, fragment):
    body = store_body(client, admin_headers, new_uuid(), "good-bag")
    body[field] = value
    _assert_rejected(client, admin_headers, body, snapshot, 400, fragment)


@pytest.mark.parametrize("payload,content_type", [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"uuid=x", "text/plain"),
])
def test_body_that_is_not_a_json_object(client, admin_headers, snapshot, payload, content_type):
    before = snapshot()
    response = client.post("/api/v2/file/", data=payload, content_type=content_type,
                           headers=admin_headers)
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["message"]
    assert snapshot() == before


def test_unknown_location(client, admin_headers, origin_bag, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "good-bag",
                      current_location="/api/v2/location/3f2b8a4e-0000-4000-8000-000000000000/")
    _assert_rejected(client, admin_headers, body, snapshot, 400, "current_location", "no location")


def test_wrong_purpose_destination(client, admin_headers, origin_bag, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "good-bag",
                      current_location=location_uri(client, admin_headers, "TS"))
    _assert_rejected(client, admin_headers, body, snapshot, 400, "current_location", "purpose TS")


def test_wrong_purpose_origin(client, admin_headers, origin_bag, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "good-bag",
                      origin_location=location_uri(client, admin_headers, "AS"))
    _assert_rejected(client, admin_headers, body, snapshot, 400, "origin_location", "purpose AS")


def test_type_the_destination_does_not_accept(client, admin_headers, origin_bag, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "good-bag", package_type="DIP")
    _assert_rejected(client, admin_headers, body, snapshot, 400, "does not accept", "DIP")


def test_origin_that_does_not_exist(client, admin_headers, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "no-such-bag")
    _assert_rejected(client, admin_headers, body, snapshot, 400, "origin_path does not exist")


@pytest.mark.parametrize("origin_path,fragment", [
    ("../as", "'..'"),
    ("good-bag/../../as", "'..'"),
    ("/etc", "absolute"),
    ("~root", "absolute"),
    ("good\x00bag", "NUL"),
    ("x" * 5000, "longer than"),
])
def test_origin_path_escaping_its_location(client, admin_headers, origin_bag, snapshot, new_uuid,
                                           origin_path, fragment):
    body = store_body(client, admin_headers, new_uuid(), origin_path)
    body["current_path"] = "safe-name"
    _assert_rejected(client, admin_headers, body, snapshot, 400, "origin_path", fragment)


def test_symlink_pointing_outside_the_location(client, admin_headers, storage, snapshot, new_uuid,
                                               tmp_path):
    outside = make_bag(tmp_path / "outside-bag", files=2)
    os.symlink(outside, storage / "cp" / "sneaky-link")
    body = store_body(client, admin_headers, new_uuid(), "sneaky-link")
    _assert_rejected(client, admin_headers, body, snapshot, 400, "origin_path", "outside its location")


def test_current_path_escaping(client, admin_headers, origin_bag, snapshot, new_uuid):
    body = store_body(client, admin_headers, new_uuid(), "good-bag", current_path="../../evil")
    _assert_rejected(client, admin_headers, body, snapshot, 400, "current_path", "'..'")


def test_symlink_inside_package_fails_the_store(client, admin_headers, storage, new_uuid, tmp_path):
    origin = make_bag(storage / "cp" / "linked-bag", files=2)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the archive")
    os.symlink(secret, origin / "data" / "leak.txt")
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "linked-bag"),
                           headers=admin_headers)

    assert response.status_code == 400
    assert "symbolic link" in response.get_json()["message"]
    assert not any("leak.txt" in p for p in all_paths(storage / "as"))


def test_oversized_body_is_413(client, admin_headers, snapshot):
    before = snapshot()
    response = client.post("/api/v2/file/", data=b"{" + b" " * (11 * 1024 * 1024) + b"}",
                           content_type="application/json", headers=admin_headers)
    assert response.status_code == 413
    assert response.get_json()["error"] is True
    assert snapshot() == before
