"""BagIt checks with the `bagit` library, using digests computed while copying.

`bagit` checks structure, bagit.txt, Payload-Oxum and completeness; the file
contents are compared against the digests the copy already computed, so the
data is not read a second time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re

import bagit

from sspkg.exceptions import PackageInvalid

logger = logging.getLogger(__name__)


def is_bag(path: str) -> bool:
    """True when `path` is a directory holding a bagit.txt."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "bagit.txt"))


class ScannedBag(bagit.Bag):
    """A bag whose tree is known to hold no symbolic links (``copying.scan_tree`` refused
    them), so a manifest path is dangerous only by its text: bagit's own check resolves
    two real paths per entry, which costs thousands of stat calls for a large bag."""

    def _path_is_dangerous(self, path):
        normalized = os.path.normpath(path)
        return (os.path.isabs(path) or path.startswith("~")
                or normalized == ".." or normalized.startswith("../"))


def open_bag(path: str) -> bagit.Bag:
    """Load a bag's declarations (tag files and manifests), refusing malformed ones.

    Call it only on a tree already scanned for links (see ScannedBag).
    """
    try:
        return ScannedBag(path)
    except bagit.BagError as error:
        raise PackageInvalid(f"Not a valid bag: {error}") from error


MANIFEST_NAME = re.compile(r"^(?:tag)?manifest-([a-z0-9_]+)\.txt$")


def manifest_algorithms(path: str) -> set[str]:
    """Checksum algorithms of the bag's (tag) manifests, from their file names alone.

    Reading no manifest, this is cheap enough to call before a copy; algorithms
    hashlib does not know are left out (verification then reports them).
    """
    names = (MANIFEST_NAME.match(n) for n in os.listdir(path))
    return {m.group(1) for m in names if m and m.group(1) in hashlib.algorithms_available}


def compare_entries(bag: bagit.Bag, digests: dict[str, dict[str, str]]) -> list:
    """Checksum mismatches between the bag's manifests and computed digests."""
    mismatches = []
    for rel_path, expected in bag.entries.items():
        fs_path = bag.normalized_filesystem_names.get(rel_path, rel_path)
        if fs_path not in digests:
            continue  # a missing file: the completeness check reports it
        for alg, expected_hash in expected.items():
            actual = digests[fs_path].get(alg, f"not computed ({alg} unsupported)")
            if actual != expected_hash.lower():
                mismatches.append(bagit.ChecksumMismatch(rel_path, alg, expected_hash.lower(), actual))
    return mismatches


def verify_bag(path: str, digests: dict[str, dict[str, str]]) -> None:
    """Validate the bag at `path` against digests computed of its files.

    Raises:
        PackageInvalid: with bagit's own error details (missing, unexpected,
            changed files) in ``details["errors"]``.
    """
    bag = open_bag(path)
    try:
        bag.validate(completeness_only=True)
    except bagit.BagValidationError as error:
        missing, untracked = bag.compare_manifests_with_fs()
        problems = [f"missing: {p}" for p in sorted(missing)] + \
                   [f"untracked: {p}" for p in sorted(untracked)]
        if problems:
            raise PackageInvalid("Bag validation failed: " + "; ".join(problems[:10]),
                                 errors=problems) from error
        raise PackageInvalid(f"Bag validation failed: {error}",
                             errors=[str(e) for e in error.details]) from error
    except bagit.BagError as error:
        raise PackageInvalid(f"Bag validation failed: {error}") from error
    mismatches = compare_entries(bag, digests)
    if mismatches:
        summary = "; ".join(str(m) for m in mismatches[:10])
        raise PackageInvalid(f"Bag validation failed: {summary}",
                             errors=[str(m) for m in mismatches])
