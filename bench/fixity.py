"""Benchmark: how fast does the service check a stored bag's fixity, compared with hashing its files?

One run builds the benchmark bag (about 1 GiB by default: 2,000 small files
plus one large file, see bench/common.py), starts the real service
(redis-server, gunicorn and one RQ worker, with SS_SYNC_WAIT_SECONDS large
enough for the check to be answered synchronously) and stores the bag once
(copy mode). It then times:

* ``GET /api/v2/file/<uuid>/check_fixity/``: the web process queues the check,
  the worker hashes every file of the stored package (sha256) and compares
  the digests with the recorded package checksum and the bag's manifests,
  and the web process answers the report (200, ``success: true``).
* the hashing limit: ``hashlib.sha256`` over the same stored files, listing
  included, on as many threads as the machine has cores, each thread hashing
  whole files (largest first) with one reused read buffer.

After one untimed run of each (the limit's digests are checked against the
bag's manifest then), runs of the limit and of the check alternate; every run
starts with ``sync`` and with the stored tree read once (a warm page cache on
both sides). Medians are reported, and the last lines are ``figure <name>
<value>`` lines for scripts to pick up (``fixity_vs_hash_limit`` is the
limit's time over the check's: higher is better, 1 is the limit).

    python bench/fixity.py                         # 1 GiB, 3 repeats
    python bench/fixity.py --size-mib 64 --repeats 2
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    MIB,
    SMALL_FILES,
    Timings,
    build_service_bag,
    parse_args,
    prepare,
    session,
    store_once,
    timed,
)
from tests.servers import Service  # noqa: E402

SYNC_WAIT_SECONDS = 600
HASH_BUFFER = 4 * MIB
THREADS = os.cpu_count() or 1
CHECK = "check_fixity"
LIMIT = f"sha256, {THREADS} threads (limit)"


# --- what is timed -----------------------------------------------------------

def files_by_size(root: Path) -> list[tuple[int, str]]:
    """(size, relative path) of every file under `root`, largest first."""
    found = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            full = os.path.join(dirpath, name)
            found.append((os.lstat(full).st_size, os.path.relpath(full, root)))
    found.sort(reverse=True)
    return found


def hash_limit(root: Path, threads: int = THREADS) -> dict[str, str]:
    """sha256 hex digest of every file under `root` by relative path: `threads` threads
    each take the largest file left and hash it whole through a buffer of their own."""
    pending = iter(files_by_size(root))
    lock = threading.Lock()
    digests: dict[str, str] = {}

    def work() -> None:
        view = memoryview(bytearray(HASH_BUFFER))
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            hasher = hashlib.sha256()
            with open(os.path.join(root, item[1]), "rb", buffering=0) as reader:
                while count := reader.readinto(view):
                    hasher.update(view[:count])
            digests[item[1]] = hasher.hexdigest()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in [pool.submit(work) for _ in range(threads)]:
            future.result()
    return digests


def check_fixity(service: Service, package_uuid: str) -> dict:
    """The service's fixity report of the package; fail unless it answers 200 and success."""
    response = requests.get(f"{service.url}/api/v2/file/{package_uuid}/check_fixity/",
                            headers=service.headers, timeout=SYNC_WAIT_SECONDS + 60)
    if response.status_code != 200:
        raise RuntimeError(f"check_fixity answered {response.status_code}: {response.text[:2000]}")
    report = response.json()
    if report.get("success") is not True:
        raise RuntimeError(f"fixity check did not succeed: {str(report)[:2000]}")
    return report


def check_against_manifest(stored: Path, digests: dict[str, str]) -> None:
    """Fail unless the limit's digests of the payload match the bag's sha256 manifest."""
    expected = {}
    with open(stored / "manifest-sha256.txt", encoding="utf-8") as manifest:
        for line in manifest:
            digest, path = line.rstrip("\n").split(None, 1)
            expected[path] = digest
    found = {path: digest for path, digest in digests.items() if path.startswith("data/")}
    if found != expected:
        raise RuntimeError(f"hash limit digests differ from the manifest: {len(found)} files hashed, "
                           f"{len(expected)} in the manifest")


# --- the runs ----------------------------------------------------------------

class Bench(Timings):
    """The running service, the stored package and the timings gathered."""

    def __init__(self, service: Service, package_uuid: str, stored: Path, size: int):
        super().__init__()
        self.service = service
        self.package_uuid = package_uuid
        self.stored = stored
        self.size = size

    def warm_up(self) -> None:
        """One untimed run of each; the limit's digests checked against the manifest."""
        prepare(self.stored)
        check_against_manifest(self.stored, hash_limit(self.stored))
        prepare(self.stored)
        check_fixity(self.service, self.package_uuid)

    def round(self) -> None:
        """The hashing limit, then the service's check, each from a warm cache."""
        prepare(self.stored)
        self.record(LIMIT, timed(lambda: hash_limit(self.stored)))
        prepare(self.stored)
        self.record(CHECK, timed(lambda: check_fixity(self.service, self.package_uuid)))


# --- report ------------------------------------------------------------------

def report(bench: Bench, files: int, repeats: int) -> None:
    """Print the table, then the figure lines (last)."""
    mib = bench.size / MIB
    print()
    print(f"stored bag: {mib:.1f} MiB in {files} files ({SMALL_FILES} small + 1 large + tag files), "
          f"{os.cpu_count()} cores, {repeats} repeats, medians")
    bench.table(mib)
    fixity = bench.median(CHECK)
    print()
    print(f"figure fixity_vs_hash_limit {bench.median(LIMIT) / fixity:.2f}")
    print(f"figure fixity_mib_s {mib / fixity:.1f}")


# --- main --------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Build and store the bag, time the check and the limit, report, clean up."""
    args = parse_args(__doc__, argv)
    env = {"SS_SYNC_WAIT_SECONDS": str(SYNC_WAIT_SECONDS)}
    with session(args, "fixity-", space=2.5, env=env) as service:
        _, size, files = build_service_bag(service, args.size_mib)
        package_uuid, stored = store_once(service, size)
        bench = Bench(service, package_uuid, stored, size)
        bench.warm_up()
        for repeat in range(args.repeats):
            print(f"round {repeat + 1}/{args.repeats}", flush=True)
            bench.round()
        report(bench, files, args.repeats)


if __name__ == "__main__":
    main()
