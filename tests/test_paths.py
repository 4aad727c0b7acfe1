"""Path safety and the SS uuid layout."""

from __future__ import annotations

import os

import pytest

from sspkg.exceptions import BadRequest, PathEscapes
from sspkg.paths import resolve_within, safe_name, uuid_to_path


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "~/x", "a\x00b", "", "/",
                                  "x" * 5000])
def test_refused(tmp_path, path):
    with pytest.raises(BadRequest):
        resolve_within(tmp_path, path)


def test_symlink_out_is_refused_and_in_is_allowed(tmp_path):
    root = tmp_path / "root"
    (root / "inside").mkdir(parents=True)
    os.symlink(tmp_path, root / "out")
    os.symlink(root / "inside", root / "alias")
    with pytest.raises(PathEscapes):
        resolve_within(root, "out")
    assert resolve_within(root, "alias") == root / "inside"


def test_must_exist(tmp_path):
    with pytest.raises(BadRequest, match="does not exist"):
        resolve_within(tmp_path, "missing", must_exist=True)


def test_uuid_layout():
    assert uuid_to_path("4a1b2c3d-0000-4000-8000-123456789abc") == \
        "4a1b/2c3d/0000/4000/8000/1234/5678/9abc"


def test_safe_name():
    assert safe_name("dir/aip-uuid.7z") == "aip-uuid.7z"
    with pytest.raises(BadRequest):
        safe_name("../x")
