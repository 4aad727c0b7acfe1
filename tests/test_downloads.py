"""Download, extract and contents of stored packages."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from tests.bags import make_bag, tree_files
from tests.helpers import store_body


@pytest.fixture
def stored_bag(client, admin_headers, storage, new_uuid):
    origin = make_bag(storage / "cp" / "dl-bag", files=25)
    package_uuid = new_uuid()
    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "dl-bag"),
                           headers=admin_headers)
    assert response.status_code == 201
    return package_uuid, tree_files(origin)


@pytest.fixture
def stored_file(client, admin_headers, storage, new_uuid):
    data = os.urandom(3 * 1024 * 1024 + 123)
    (storage / "cp" / "aip.7z").write_bytes(data)
    package_uuid = new_uuid()
    response = client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "aip.7z"),
                           headers=admin_headers)
    assert response.status_code == 201
    return package_uuid, data


def test_directory_download_is_a_tar_of_the_package(client, admin_headers, stored_bag):
    package_uuid, expected = stored_bag
    response = client.get(f"/api/v2/file/{package_uuid}/download/", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/x-tar"
    assert 'filename="dl-bag.tar"' in response.headers["Content-Disposition"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    archive = tarfile.open(fileobj=io.BytesIO(response.data))
    files = {m.name[len("dl-bag/"):]: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    assert files == expected


def test_head_of_download_has_length_and_no_body(client, admin_headers, stored_bag):
    package_uuid, _ = stored_bag
    response = client.head(f"/api/v2/file/{package_uuid}/download/", headers=admin_headers)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 0
    assert response.data == b""


def test_ranged_download_of_a_file_package_stitches_back(client, admin_headers, stored_file):
    package_uuid, data = stored_file
    url = f"/api/v2/file/{package_uuid}/download/?username=admin&api_key=admin-key"
    parts, start, step = [], 0, 1024 * 1024
    while start < len(data):
        response = client.get(url, headers={"Range": f"bytes={start}-{start + step - 1}"})
        assert response.status_code == 206
        parts.append(response.data)
        start += step
    assert b"".join(parts) == data
    whole = client.get(url)
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.data == data


def test_extract_one_file(client, admin_headers, stored_bag):
    package_uuid, expected = stored_bag
    wanted = next(p for p in expected if p.startswith("data/"))
    for path in (wanted, f"dl-bag/{wanted}"):
        response = client.get(f"/api/v2/file/{package_uuid}/extract_file/",
                              query_string={"relative_path_to_file": path}, headers=admin_headers)
        assert response.status_code == 200
        assert response.data == expected[wanted]
        assert "attachment" in response.headers["Content-Disposition"]


def test_extract_from_a_tar_package(client, admin_headers, storage, new_uuid, tmp_path):
    source = make_bag(tmp_path / "tarred", files=5)
    with tarfile.open(storage / "cp" / "tarred.tar", "w") as archive:
        archive.add(source, arcname="tarred")
    package_uuid = new_uuid()
    client.post("/api/v2/file/", json=store_body(client, admin_headers, package_uuid, "tarred.tar"),
                headers=admin_headers)
    response = client.get(f"/api/v2/file/{package_uuid}/extract_file/",
                          query_string={"relative_path_to_file": "tarred/bagit.txt"}, headers=admin_headers)
    assert response.status_code == 200
    assert response.data == (source / "bagit.txt").read_bytes()


@pytest.mark.parametrize("query,status,fragment", [
    ({}, 400, "relative_path_to_file is required"),
    ({"relative_path_to_file": "data/nope.txt"}, 404, "not a file"),
    ({"relative_path_to_file": "../../../../../../etc/passwd"}, 400, "'..'"),
    ({"relative_path_to_file": "/etc/passwd"}, 400, "absolute"),
    ({"relative_path_to_file": "data"}, 404, "not a file"),
])
def test_extract_errors(client, admin_headers, stored_bag, query, status, fragment):
    package_uuid, _ = stored_bag
    response = client.get(f"/api/v2/file/{package_uuid}/extract_file/", query_string=query,
                          headers=admin_headers)
    assert response.status_code == status
    assert fragment in response.get_json()["message"]


def test_unknown_package_is_404(client, admin_headers, new_uuid):
    for suffix in ("download/", "contents/", "extract_file/?relative_path_to_file=x"):
        assert client.get(f"/api/v2/file/{new_uuid()}/{suffix}", headers=admin_headers).status_code == 404


def test_contents_lists_every_file(client, admin_headers, stored_bag):
    package_uuid, expected = stored_bag
    body = client.get(f"/api/v2/file/{package_uuid}/contents/", headers=admin_headers).get_json()
    assert body["success"] is True
    assert {f["path"]: f["size"] for f in body["files"]} == {p: len(d) for p, d in expected.items()}
