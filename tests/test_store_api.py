"""Storing through the v2 API with jobs run in-process (fakeredis, RQ synchronous mode)."""

from __future__ import annotations

import bagit

from tests.bags import make_bag, tree_files
from tests.helpers import independent_checksum, store_body, stored_path


def test_sync_store_copies_verifies_and_records(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "aip-1", files=30)
    expected = tree_files(origin)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "aip-1"),
                           headers=admin_headers)

    assert response.status_code == 201, response.get_json()
    package = response.get_json()
    assert package["status"] == "UPLOADED"
    final = stored_path(storage, package_uuid, "aip-1")
    assert package["current_full_path"] == str(final)
    assert tree_files(final) == expected
    assert bagit.Bag(str(final)).is_valid()
    assert package["checksum"] == independent_checksum(final)
    assert package["size"] == sum(len(b) for b in expected.values())
    assert origin.exists(), "copy mode keeps the origin"
    assert not (storage / "as" / ".sspkg-staging" / package_uuid).exists()


def test_async_store_answers_202_and_status_document(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "aip-2", files=5)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/async/", json=store_body(client, admin_headers, package_uuid, "aip-2"),
                           headers=admin_headers)

    assert response.status_code == 202
    assert response.data == b""
    location = response.headers["Location"]
    assert location.startswith("/api/v2/async/")
    document = client.get(location, headers=admin_headers).get_json()
    assert document["completed"] is True and document["was_error"] is False
    assert document["result"]["package"] == package_uuid
    assert document["resource_uri"] == location
    for key in ("id", "created_time", "updated_time", "completed_time"):
        assert document[key]


def test_move_mode_renames_origin_into_place(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "aip-3", files=10)
    expected = tree_files(origin)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", headers=admin_headers,
                           json=store_body(client, admin_headers, package_uuid, "aip-3", keep_origin=False))

    assert response.status_code == 201
    assert not origin.exists()
    assert tree_files(stored_path(storage, package_uuid, "aip-3")) == expected


def test_single_file_package_checksum_is_its_sha256(client, admin_headers, storage, new_uuid):
    (storage / "cp" / "aip.7z").write_bytes(b"compressed aip" * 1000)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", headers=admin_headers,
                           json=store_body(client, admin_headers, package_uuid, "aip.7z"))

    assert response.status_code == 201
    final = stored_path(storage, package_uuid, "aip.7z")
    assert final.read_bytes() == b"compressed aip" * 1000
    assert response.get_json()["checksum"] == independent_checksum(final)


def test_corrupt_bag_fails_with_reason_and_leaves_nothing(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "bad-aip", files=5)
    victim = next((origin / "data").rglob("*.dat"))
    victim.write_bytes(b"tampered" + victim.read_bytes()[8:])
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", headers=admin_headers,
                           json=store_body(client, admin_headers, package_uuid, "bad-aip"))

    assert response.status_code == 400
    assert "Bag validation failed" in response.get_json()["message"]
    assert victim.name in response.get_json()["message"]
    package = client.get(f"/api/v2/file/{package_uuid}/", headers=admin_headers).get_json()
    assert package["status"] == "FAIL"
    assert not stored_path(storage, package_uuid, "bad-aip").exists()
    assert not (storage / "as" / ".sspkg-staging" / package_uuid).exists()
    assert origin.exists()


def test_failed_move_mode_store_puts_origin_back(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "bad-move", files=5)
    (origin / "data" / "extra-untracked.txt").write_text("not in the manifest")
    before = tree_files(origin)
    package_uuid = new_uuid()

    response = client.post("/api/v2/file/", headers=admin_headers,
                           json=store_body(client, admin_headers, package_uuid, "bad-move", keep_origin=False))

    assert response.status_code == 400
    assert tree_files(origin) == before
    assert not stored_path(storage, package_uuid, "bad-move").exists()


def test_repeated_request_returns_the_stored_package(client, admin_headers, storage, new_uuid, fake_redis):
    make_bag(storage / "cp" / "aip-4", files=3)
    package_uuid = new_uuid()
    body = store_body(client, admin_headers, package_uuid, "aip-4")

    first = client.post("/api/v2/file/", json=body, headers=admin_headers)
    second = client.post("/api/v2/file/", json=body, headers=admin_headers)

    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert fake_redis.exists(f"rq:job:store-{package_uuid}-1")
    assert not fake_redis.exists(f"rq:job:store-{package_uuid}-2")


def test_same_uuid_with_other_origin_is_conflict(client, admin_headers, storage, new_uuid):
    make_bag(storage / "cp" / "aip-5", files=3)
    make_bag(storage / "cp" / "aip-6", files=3)
    package_uuid = new_uuid()
    client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "aip-5"),
                headers=admin_headers)

    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "aip-6"),
                           headers=admin_headers)

    assert response.status_code == 409
    assert "already exists" in response.get_json()["message"]


def test_failed_package_can_be_stored_again(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "retry-aip", files=3)
    manifest = origin / "manifest-sha256.txt"
    good = manifest.read_text()
    manifest.write_text(good.replace(good[:8], "00000000", 1))
    package_uuid = new_uuid()
    body = store_body(client, admin_headers, package_uuid, "retry-aip")
    assert client.post("/api/v2/file/", json=body, headers=admin_headers).status_code == 400

    manifest.write_text(good)
    response = client.post("/api/v2/file/", json=body, headers=admin_headers)

    assert response.status_code == 201
    assert response.get_json()["status"] == "UPLOADED"


def test_package_list_filters_and_paginates(client, admin_headers, storage, new_uuid):
    uuids = []
    for index in range(3):
        make_bag(storage / "cp" / f"list-{index}", files=2)
        uuids.append(new_uuid())
        client.post("/api/v2/file/", json=store_body(client, admin_headers, uuids[-1], f"list-{index}"),
                    headers=admin_headers)

    page = client.get("/api/v2/file/?limit=2&status=UPLOADED", headers=admin_headers).get_json()
    assert page["meta"]["total_count"] == 3
    assert len(page["objects"]) == 2
    assert "offset=2" in page["meta"]["next"]
    rest = client.get(page["meta"]["next"], headers=admin_headers).get_json()
    assert len(rest["objects"]) == 1 and rest["meta"]["next"] is None
    one = client.get(f"/api/v2/file/?uuid={uuids[1]}", headers=admin_headers).get_json()
    assert [p["uuid"] for p in one["objects"]] == [uuids[1]]


def test_bag_with_other_manifest_algorithms(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "md5-bag", files=6, algorithms=("md5", "sha512"))
    good = client.post("/api/v2/file/", headers=admin_headers,
                       json=store_body(client, admin_headers, new_uuid(), "md5-bag"))
    assert good.status_code == 201

    victim = next((origin / "data").rglob("*.dat"))
    victim.write_bytes(b"changed" + victim.read_bytes())
    bad = client.post("/api/v2/file/", headers=admin_headers,
                      json=store_body(client, admin_headers, new_uuid(), "md5-bag"))
    assert bad.status_code == 400
    assert "Bag validation failed" in bad.get_json()["message"]
