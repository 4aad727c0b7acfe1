"""BagIt checks with the `bagit` library, using digests computed while copying.

`bagit` checks structure, bagit.txt, Payload-Oxum and completeness; the file
contents are compared against the digests the copy already computed, so the
data is not read a second time.
"""

from __future__ import annotations

import logging
import os

import bagit

from sspkg.exceptions import PackageInvalid

logger = logging.getLogger(__name__)


def is_bag(path: str) -> bool:
    """True when `path` is a directory holding a bagit.txt."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "bagit.txt"))


def open_bag(path: str) -> bagit.Bag:
    """Load a bag's declarations (tag files and manifests), refusing malformed ones."""
    try:
        return bagit.Bag(path)
    except bagit.BagError as error:
        raise PackageInvalid(f"Not a valid bag: {error}") from error


def manifest_algorithms(path: str) -> set[str]:
    """Every checksum algorithm the bag's manifests and tag manifests use."""
    bag = open_bag(path)
    return {alg for hashes in bag.entries.values() for alg in hashes}


def compare_entries(bag: bagit.Bag, digests: dict[str, dict[str, str]]) -> list:
    """Checksum mismatches between the bag's manifests and computed digests."""
    mismatches = []
    for rel_path, expected in bag.entries.items():
        fs_path = bag.normalized_filesystem_names.get(rel_path, rel_path)
        computed = digests.get(fs_path, {})
        for alg, expected_hash in expected.items():
            actual = computed.get(alg)
            if actual is not None and actual != expected_hash.lower():
                mismatches.append(bagit.ChecksumMismatch(rel_path, alg, expected_hash.lower(), actual))
    return mismatches


def verify_bag(path: str, digests: dict[str, dict[str, str]]) -> None:
    """Validate the bag at `path` against digests computed of its files.

    Raises:
        PackageInvalid: with bagit's own error details (missing, unexpected,
            changed files) in ``details["errors"]``.
    """
    bag = open_bag(path)
    missing, untracked = bag.compare_manifests_with_fs()
    if missing or untracked:
        problems = [f"missing: {p}" for p in sorted(missing)] + \
                   [f"untracked: {p}" for p in sorted(untracked)]
        raise PackageInvalid("Bag validation failed: " + "; ".join(problems[:10]),
                             errors=problems)
    try:
        bag.validate(completeness_only=True)
    except bagit.BagValidationError as error:
        raise PackageInvalid(f"Bag validation failed: {error}",
                             errors=[str(e) for e in error.details]) from error
    except bagit.BagError as error:
        raise PackageInvalid(f"Bag validation failed: {error}") from error
    mismatches = compare_entries(bag, digests)
    if mismatches:
        summary = "; ".join(str(m) for m in mismatches[:10])
        raise PackageInvalid(f"Bag validation failed: {summary}",
                             errors=[str(m) for m in mismatches])
