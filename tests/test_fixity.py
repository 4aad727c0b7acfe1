"""Fixity against real damage to a stored bag: changed, missing, untracked, clean."""

from __future__ import annotations

import pytest

from sspkg import fixity
from tests.bags import make_bag
from tests.helpers import store_body, stored_path


@pytest.fixture
def stored(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "fx-bag", files=12)
    package_uuid = new_uuid()
    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "fx-bag"),
                           headers=admin_headers)
    assert response.status_code == 201
    return package_uuid, stored_path(storage, package_uuid, "fx-bag")


def _check(client, headers, package_uuid):
    response = client.get(f"/api/v2/file/{package_uuid}/check_fixity/", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_clean_bag_succeeds(client, admin_headers, stored):
    report = _check(client, admin_headers, stored[0])
    assert report["success"] is True
    assert report["timestamp"]
    assert report["failures"] == {"files": {"missing": [], "changed": [], "untracked": []}}


def test_flipped_byte_is_changed(client, admin_headers, stored):
    package_uuid, root = stored
    victim = sorted((root / "data").rglob("*.dat"))[3]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))

    report = _check(client, admin_headers, package_uuid)

    assert report["success"] is False
    changed_paths = {c["path"] for c in report["failures"]["files"]["changed"]}
    assert str(victim.relative_to(root)) in changed_paths
    entry = next(c for c in report["failures"]["files"]["changed"] if c["path"] == str(victim.relative_to(root)))
    assert entry["hash_type"] == "sha256" and entry["expected"] != entry["actual"]
    assert report["failures"]["files"]["missing"] == report["failures"]["files"]["untracked"] == []


def test_deleted_file_is_missing(client, admin_headers, stored):
    package_uuid, root = stored
    victim = sorted((root / "data").rglob("*.dat"))[0]
    victim.unlink()
    report = _check(client, admin_headers, package_uuid)
    assert report["success"] is False
    assert [m["path"] for m in report["failures"]["files"]["missing"]] == [str(victim.relative_to(root))]


def test_added_file_is_untracked(client, admin_headers, stored):
    package_uuid, root = stored
    (root / "data" / "intruder.txt").write_text("not part of the AIP")
    report = _check(client, admin_headers, package_uuid)
    assert report["success"] is False
    assert [u["path"] for u in report["failures"]["files"]["untracked"]] == ["data/intruder.txt"]


def test_every_check_goes_into_the_history(client, admin_headers, stored, catalogue):
    package_uuid, root = stored
    _check(client, admin_headers, package_uuid)
    (root / "data" / "intruder.txt").write_text("x")
    _check(client, admin_headers, package_uuid)
    checks = fixity.history(catalogue, package_uuid)
    assert [c["success"] for c in checks] == [False, True]
    assert checks[0]["report"]["failures"]["files"]["untracked"][0]["path"] == "data/intruder.txt"


def test_non_bag_type_is_not_checked(client, admin_headers, storage, new_uuid):
    (storage / "cp" / "dip-dir").mkdir()
    (storage / "cp" / "dip-dir" / "thumb.jpg").write_bytes(b"jpg")
    package_uuid = new_uuid()
    client.post("/api/v2/file/", headers=admin_headers, json=store_body(
        client, admin_headers, package_uuid, "dip-dir", package_type="DIP",
        current_location="/api/v2/location/default/DS/"))
    report = _check(client, admin_headers, package_uuid)
    assert report["success"] is None
    assert "AIP" in report["message"]


def test_unknown_package_is_404(client, admin_headers, new_uuid):
    assert client.get(f"/api/v2/file/{new_uuid()}/check_fixity/", headers=admin_headers).status_code == 404
