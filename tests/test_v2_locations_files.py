"""Location file moves, browsing, and the SS endpoints answered 501."""

from __future__ import annotations

import base64

import pytest

from tests.bags import make_bag, tree_files
from tests.helpers import location_uri


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_location_file_move_copies_into_place(client, admin_headers, storage):
    make_bag(storage / "ts" / "transfer-1", files=8)
    (storage / "ts" / "note.txt").write_text("hello")
    body = {"origin_location": location_uri(client, admin_headers, "TS"), "pipeline": None,
            "files": [{"source": "transfer-1", "destination": "incoming/transfer-1"},
                      {"source": "note.txt", "destination": "incoming/note.txt"}]}
    cp = location_uri(client, admin_headers, "CP")

    response = client.post(cp, json=body, headers=admin_headers)

    assert response.status_code == 200
    assert response.get_json() == {"error": None, "message": "Files moved successfully"}
    assert tree_files(storage / "cp" / "incoming" / "transfer-1") == tree_files(storage / "ts" / "transfer-1")
    assert (storage / "cp" / "incoming" / "note.txt").read_text() == "hello"
    again = client.post(cp, json=body, headers=admin_headers)
    assert again.status_code == 200


def test_location_file_move_async(client, admin_headers, storage):
    (storage / "ts" / "a.txt").write_text("a")
    body = {"origin_location": location_uri(client, admin_headers, "TS"),
            "files": [{"source": "a.txt", "destination": "a.txt"}]}
    response = client.post(location_uri(client, admin_headers, "CP") + "async/", json=body,
                           headers=admin_headers)
    assert response.status_code == 202
    document = client.get(response.headers["Location"], headers=admin_headers).get_json()
    assert document["completed"] is True and document["was_error"] is False
    assert (storage / "cp" / "a.txt").read_text() == "a"


@pytest.mark.parametrize("entry,fragment", [
    ({"source": "../as", "destination": "x"}, "files.0.source"),
    ({"source": "a.txt", "destination": "../../escape"}, "files.0.destination"),
    ({"source": "missing.txt", "destination": "x"}, "does not exist"),
    ({"source": "a.txt"}, "destination"),
])
def test_location_file_move_refusals(client, admin_headers, storage, entry, fragment):
    (storage / "ts" / "a.txt").write_text("a")
    before = sorted(p.name for p in (storage / "cp").rglob("*"))
    response = client.post(location_uri(client, admin_headers, "CP"), headers=admin_headers,
                           json={"origin_location": location_uri(client, admin_headers, "TS"),
                                 "files": [entry]})
    assert response.status_code == 400
    assert fragment in response.get_json()["message"]
    assert sorted(p.name for p in (storage / "cp").rglob("*")) == before


def test_browse_location(client, admin_headers, storage):
    (storage / "ts" / "dir one").mkdir()
    (storage / "ts" / "dir one" / "x.bin").write_bytes(b"12345")
    (storage / "ts" / "top.txt").write_text("abc")
    ts = client.get(location_uri(client, admin_headers, "TS"), headers=admin_headers).get_json()

    root = client.get(f"/api/v2/location/{ts['uuid']}/browse/", headers=admin_headers).get_json()
    assert sorted(base64.b64decode(e).decode() for e in root["entries"]) == ["dir one", "top.txt"]
    assert [base64.b64decode(d).decode() for d in root["directories"]] == ["dir one"]
    assert root["properties"][_b64("top.txt")] == {"size": 3}

    for path in ("dir one", ts["path"] + "/dir one"):
        inner = client.get(f"/api/v2/location/{ts['uuid']}/browse/?path={_b64(path)}",
                           headers=admin_headers).get_json()
        assert inner["entries"] == [_b64("x.bin")]


@pytest.mark.parametrize("path,status", [("../as", 400), ("/etc", 400), ("nope", 404), ("!!notb64", 400)])
def test_browse_refusals(client, admin_headers, path, status):
    ts = client.get(location_uri(client, admin_headers, "TS"), headers=admin_headers).get_json()
    encoded = path if path.startswith("!!") else _b64(path)
    response = client.get(f"/api/v2/location/{ts['uuid']}/browse/?path={encoded}", headers=admin_headers)
    assert response.status_code == status


def test_browse_space_hides_staging(client, admin_headers, storage):
    (storage / "as" / ".sspkg-staging").mkdir(parents=True, exist_ok=True)
    space = client.get("/api/v2/space/", headers=admin_headers).get_json()["objects"][0]
    listing = client.get(f"/api/v2/space/{space['uuid']}/browse/?path={_b64('as')}",
                         headers=admin_headers).get_json()
    assert _b64(".sspkg-staging") not in listing["entries"]


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v2/file/metadata/"),
    ("GET", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/pointer_file/"),
    ("POST", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/reindex/"),
    ("POST", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/reingest/"),
    ("PUT", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/"),
    ("PUT", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/contents/"),
    ("DELETE", "/api/v2/file/0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10/contents/"),
])
def test_unsupported_endpoints_answer_501(client, admin_headers, method, path):
    response = client.open(path, method=method, headers=admin_headers, json={})
    assert response.status_code == 501
    assert "not supported" in response.get_json()["message"]


def test_post_store_callback(client, admin_headers, new_uuid):
    assert client.get(f"/api/v2/file/{new_uuid()}/send_callback/post_store/",
                      headers=admin_headers).status_code == 404
