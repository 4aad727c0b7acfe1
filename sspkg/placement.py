"""Putting verified copies in place: stage, verify, sync, rename. Shared by store, move,
replication and recovery.

A copy is written under a staging directory on the destination's filesystem,
hashed in the same pass, verified (bag manifests, and the expected package
checksum when one is known), flushed to disk, and only then renamed to its
final path. On any failure the staging directory is removed, so nothing
partial is ever at a final path.
"""

from __future__ import annotations

import logging
import os
import shutil
from typing import Callable

from sspkg import bags, copying
from sspkg.constants import CHECKSUM_ALGORITHM
from sspkg.exceptions import PackageInvalid

logger = logging.getLogger(__name__)

ProgressReport = Callable[[str, int, int], None]


def algorithms_for(path: str) -> set[str]:
    """sha256 plus every algorithm of the bag's manifests (if `path` is a bag)."""
    algorithms = {CHECKSUM_ALGORITHM}
    if bags.is_bag(path):
        algorithms |= bags.manifest_algorithms(path)
    return algorithms


def _check(path: str, digests: dict, expected_checksum: str | None) -> None:
    if expected_checksum:
        actual = copying.package_checksum(digests, os.path.isfile(path))
        if actual != expected_checksum:
            raise PackageInvalid(f"checksum mismatch: expected {expected_checksum}, got {actual}")
    if bags.is_bag(path):
        bags.verify_bag(path, digests)


def copy_verified(source: str, staging: str, report: ProgressReport,
                  expected_checksum: str | None = None) -> dict:
    """Copy `source` to `staging` hashing it once; verify the copy. Digests by path."""
    scan = copying.scan_tree(source)
    progress = copying.Progress(scan.total_bytes, lambda done, total: report("copying", done, total))
    digests = copying.copy_tree(source, staging, scan, algorithms_for(source), progress)
    progress.finish()
    report("validating", progress.done, progress.total)
    _check(staging, digests, expected_checksum)
    return digests


def verify_in_place(path: str, report: ProgressReport, threads: int = 0,
                    expected_checksum: str | None = None) -> dict:
    """Hash `path` where it is (several threads) and verify it. Digests by path."""
    scan = copying.scan_tree(path)
    progress = copying.Progress(scan.total_bytes, lambda done, total: report("verifying", done, total))
    digests = copying.hash_tree(path, scan, algorithms_for(path), progress, threads)
    progress.finish()
    _check(path, digests, expected_checksum)
    return digests


def place(staging: str, final: str, staging_root: str) -> None:
    """Flush the staged copy to disk, rename it atomically to `final`, drop the staging dir."""
    copying.sync_filesystem(staging)
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    os.rename(staging, final)
    copying.fsync_directory(parent)
    shutil.rmtree(staging_root, ignore_errors=True)


def copy_into_place(source: str, final: str, staging_root: str, report: ProgressReport,
                    expected_checksum: str | None, threads: int = 0) -> dict:
    """Make `final` a verified copy of `source`. Idempotent.

    If `final` already holds a copy that verifies (a previous attempt died after
    its rename), it is kept; if it holds anything else it is replaced.
    """
    if os.path.lexists(final):
        try:
            return verify_in_place(final, report, threads, expected_checksum)
        except PackageInvalid:
            logger.warning("replacing unverifiable copy at %s", final)
            remove(final)
    staging = os.path.join(staging_root, "copy", os.path.basename(final))
    shutil.rmtree(staging_root, ignore_errors=True)
    os.makedirs(os.path.dirname(staging))
    try:
        digests = copy_verified(source, staging, report, expected_checksum)
        place(staging, final, staging_root)
        return digests
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)


def tree_size(path: str) -> int:
    """Bytes of a file, or of every file under a directory."""
    if os.path.isfile(path):
        return os.lstat(path).st_size
    return sum(os.lstat(os.path.join(d, f)).st_size for d, _, files in os.walk(path) for f in files)


def remove(path: str) -> None:
    """Remove a file or a directory tree (never following a link)."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
