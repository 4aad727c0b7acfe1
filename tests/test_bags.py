"""Bag parsing: manifests naming paths outside the bag are refused."""

from __future__ import annotations

import pytest

from sspkg import bags
from sspkg.exceptions import PackageInvalid
from tests.bags import make_bag


@pytest.mark.parametrize("evil", ["../../etc/passwd", "/etc/passwd", "~/.ssh/id_rsa", "data/../../x"])
def test_manifest_path_escaping_the_bag_is_refused(tmp_path, evil):
    bag = make_bag(tmp_path / "bag", files=2)
    manifest = bag / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text() + f"{'0' * 64}  {evil}\n")
    with pytest.raises(PackageInvalid, match="Not a valid bag"):
        bags.open_bag(str(bag))


def test_algorithms_come_from_manifest_names(tmp_path):
    bag = make_bag(tmp_path / "bag", files=2, algorithms=("md5", "sha512"))
    assert bags.manifest_algorithms(str(bag)) == {"md5", "sha512"}
