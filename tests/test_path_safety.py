"""Path safety as a property: whatever path a client sends, nothing outside its location is
read or written (hypothesis-generated paths, a symlink planted in the location)."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspkg.exceptions import BadRequest
from sspkg.paths import is_within, resolve_within
from tests.bags import make_bag
from tests.helpers import all_paths, location_uri, store_body

SEGMENTS = st.sampled_from(["..", ".", "", "data", "link-out", "canary.txt", "../..", "~", "\x00",
                            "\u2025", "\uff0e\uff0e", "..\u0338", "a" * 300, "%2e%2e", "..\\..", "/",
                            "\u0000etc", "e\u0301", "link-out/../..", "bag", "bag/data"])
PATHS = st.one_of(
    st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join),
    st.lists(SEGMENTS, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.text(min_size=1, max_size=40),
)
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
CANARY = b"outside the location: must never be served"


@pytest.fixture
def outside(tmp_path):
    """A directory outside every location, with a canary file, and its snapshot."""
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "canary.txt").write_bytes(CANARY)
    return directory


@pytest.fixture
def planted(storage, outside):
    """Symlinks from inside the CP, TS and AS locations to the outside directory."""
    for purpose in ("cp", "ts", "as"):
        (storage / purpose).mkdir(parents=True, exist_ok=True)
        os.symlink(outside, storage / purpose / "link-out")
    return outside


@PROPERTY
@given(relative=PATHS)
def test_resolve_within_never_leaves_the_root(tmp_path_factory, relative):
    root = tmp_path_factory.getbasetemp() / "prop-root"
    (root / "data").mkdir(parents=True, exist_ok=True)
    if not os.path.lexists(root / "link-out"):
        os.symlink("/", root / "link-out")
    try:
        resolved = resolve_within(root, relative)
    except BadRequest:
        return
    assert is_within(root, resolved)


def _unchanged(outside, before):
    assert all_paths(outside) == before
    assert (outside / "canary.txt").read_bytes() == CANARY


@PROPERTY
@given(relative=PATHS)
def test_store_origin_path(client, admin_headers, planted, relative):
    before = all_paths(planted)
    body = store_body(client, admin_headers, "0b6e6f8e-1a3c-4b8a-9d55-3f1f2c7a9b10", relative)
    response = client.post("/api/v2/file/async/", json=body, headers=admin_headers)
    assert response.status_code < 500
    _unchanged(planted, before)


@PROPERTY
@given(relative=PATHS)
def test_extract_file(client, admin_headers, stored_package, planted, relative):
    before = all_paths(planted)
    response = client.get(f"/api/v2/file/{stored_package}/extract_file/",
                          query_string={"relative_path_to_file": relative}, headers=admin_headers)
    assert response.status_code < 500
    assert CANARY not in response.data
    _unchanged(planted, before)


@PROPERTY
@given(relative=PATHS)
def test_browse(client, admin_headers, planted, relative):
    cp = client.get(location_uri(client, admin_headers, "CP"), headers=admin_headers).get_json()
    encoded = base64.b64encode(relative.encode("utf-8", "surrogatepass")).decode()
    response = client.get(f"/api/v2/location/{cp['uuid']}/browse/?path={encoded}", headers=admin_headers)
    assert response.status_code < 500
    if response.status_code == 200:
        names = [base64.b64decode(e) for e in response.get_json()["entries"]]
        assert b"canary.txt" not in names


@PROPERTY
@given(source=PATHS, destination=PATHS)
def test_location_file_moves(client, admin_headers, storage, planted, source, destination):
    before = all_paths(planted)
    inside_before = all_paths(storage / "cp")
    response = client.post(location_uri(client, admin_headers, "CP"), headers=admin_headers, json={
        "origin_location": location_uri(client, admin_headers, "TS"),
        "files": [{"source": source, "destination": destination}]})
    assert response.status_code < 500
    _unchanged(planted, before)
    if response.status_code != 200:
        assert all_paths(storage / "cp") == inside_before


@pytest.fixture
def stored_package(client, admin_headers, storage):
    make_bag(storage / "cp" / "bag", files=3)
    body = store_body(client, admin_headers, "7f1c3c55-5a0e-4c43-a1b2-8f7de0b3a9c1", "bag")
    assert client.post("/api/v2/file/", json=body, headers=admin_headers).status_code == 201
    return body["uuid"]
