"""Fixity checks of stored packages, and their history in Redis.

The package is read once: every file is hashed (on several threads) with
sha256 and the bag's manifest algorithms; those digests serve both the
stored package checksum and the BagIt manifests. `bagit` parses the bag
and its declarations (manifests, Payload-Oxum).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field

import bagit

from sspkg import bags, copying, package_files, packages
from sspkg.catalogue import Catalogue
from sspkg.constants import CHECKSUM_ALGORITHM, PackageType
from sspkg.exceptions import NotFound
from sspkg.models import Package, utcnow

logger = logging.getLogger(__name__)

CHECKABLE_TYPES = frozenset({PackageType.AIP.value, PackageType.AIC.value})
HISTORY_LENGTH = 1000


@dataclass
class FixityReport:
    """The SS fixity report."""

    success: bool | None
    message: str
    timestamp: str | None
    missing: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    untracked: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        """SS's shape: `{success, message, timestamp, failures: {files: {...}}}`."""
        return {"success": self.success, "message": self.message, "timestamp": self.timestamp,
                "failures": {"files": {"missing": self.missing, "changed": self.changed,
                                       "untracked": self.untracked}}}


def not_checkable(package: Package) -> FixityReport | None:
    """The report for a package that cannot be checked (not a bag type), else None."""
    if package.package_type in CHECKABLE_TYPES:
        return None
    return FixityReport(None, f"Fixity can only be checked for AIPs and AICs, "
                              f"not a {package.package_type} package", None)


def check_package(catalogue: Catalogue, package_uuid: str, report=None, threads: int = 0) -> FixityReport:
    """Check one package against its recorded checksum and, for a bag, its manifests."""
    package = packages.get_package(catalogue, package_uuid)
    skipped = not_checkable(package)
    if skipped:
        return skipped
    try:
        stored = package_files.locate(catalogue, package)
    except NotFound as error:
        return FixityReport(False, error.message, utcnow())
    scan = copying.scan_tree(stored.path)
    is_bag = bags.is_bag(stored.path)
    bag = bags.open_bag(stored.path) if is_bag else None
    algorithms = {CHECKSUM_ALGORITHM} | ({a for h in bag.entries.values() for a in h} if bag else set())
    progress = copying.Progress(scan.total_bytes, (lambda d, t: report("hashing", d, t)) if report else None)
    digests = copying.hash_tree(stored.path, scan, algorithms, progress, threads)
    progress.finish()
    result = FixityReport(True, "", utcnow())
    checksum = copying.package_checksum(digests, not stored.is_directory)
    if package.checksum and checksum != package.checksum:
        result.changed.append({"path": stored.name, "expected": package.checksum, "actual": checksum,
                               "hash_type": CHECKSUM_ALGORITHM,
                               "message": "package checksum differs from the one recorded at storage"})
    if bag is not None:
        _compare_bag(bag, scan, digests, result)
    result.success = not (result.missing or result.changed or result.untracked)
    result.message = "Fixity check succeeded" if result.success else _summary(result)
    return result


def _compare_bag(bag: bagit.Bag, scan: copying.TreeScan, digests: dict, result: FixityReport) -> None:
    """Missing, untracked and changed files, and the Payload-Oxum, from the scan already made."""
    on_disk = {bagit.normalize_unicode(p): p for p in scan.files}
    declared = {bagit.normalize_unicode(p) for p in bag.entries}
    missing = sorted(p for p in bag.entries if bagit.normalize_unicode(p) not in on_disk)
    untracked = sorted(p for n, p in on_disk.items() if p.startswith("data/") and n not in declared)
    result.missing += [{"path": p, "message": f"{p} exists in manifest but was not found on filesystem"}
                       for p in missing]
    result.untracked += [{"path": p, "message": f"{p} exists on filesystem but is not in the manifest"}
                         for p in untracked]
    result.changed += [{"path": m.path, "expected": m.expected, "actual": m.found, "hash_type": m.algorithm,
                        "message": str(m)} for m in bags.compare_entries(bag, digests)]
    oxum = bag.info.get("Payload-Oxum")
    payload = [size for path, size in scan.files.items() if path.startswith("data/")]
    if isinstance(oxum, str) and not (missing or untracked) and oxum != f"{sum(payload)}.{len(payload)}":
        result.changed.append({"path": "bag-info.txt", "expected": oxum,
                               "actual": f"{sum(payload)}.{len(payload)}", "hash_type": "Payload-Oxum",
                               "message": "Payload-Oxum does not match the payload"})


def _summary(result: FixityReport) -> str:
    parts = [f"{len(result.missing)} missing", f"{len(result.changed)} changed",
             f"{len(result.untracked)} untracked"]
    return "Fixity check failed: " + ", ".join(parts)


def record(catalogue: Catalogue, package_uuid: str, result: FixityReport) -> None:
    """Append a check to the package's fixity history and note when it was last checked."""
    entry = json.dumps({"time": result.timestamp, "success": result.success, "report": result.to_json()})
    key = f"{catalogue.prefix}:fixity:{package_uuid}"
    pipe = catalogue.connection.pipeline(transaction=True)
    pipe.lpush(key, entry)
    pipe.ltrim(key, 0, HISTORY_LENGTH - 1)
    pipe.zadd(f"{catalogue.prefix}:fixity:last", {package_uuid: time.time()})
    pipe.execute()
    if result.success is False:
        logger.error("fixity check of %s failed: %s", package_uuid, result.message)


def history(catalogue: Catalogue, package_uuid: str, limit: int = 100) -> list[dict]:
    """The package's fixity checks, newest first."""
    raw = catalogue.connection.lrange(f"{catalogue.prefix}:fixity:{package_uuid}", 0, limit - 1)
    return [json.loads(item) for item in raw]

