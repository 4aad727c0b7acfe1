"""Benchmark: how fast does the service store a bag, compared with plain tools?

One run builds a BagIt bag (about 1 GiB by default: 2,000 small files in
nested directories plus one large file, sha256 manifests), starts the real
service (redis-server, gunicorn and one RQ worker) and stores that bag
through ``POST /api/v2/file/async/`` several times, timing each store from the
POST until its status document says ``completed``. It measures:

* copy mode (``keep_origin: true``): the worker copies the bag into staging
  while hashing it, checks the bag against its manifests, flushes the
  filesystem (syncfs) and renames the copy into place. Baselines: ``cp -r`` of
  the same tree (what a copy costs at all) and ``cp -r`` followed by ``sync``
  (a copy that is on disk when it ends, as the store's is).
* move mode (``keep_origin: false``, same filesystem): the worker renames the
  origin into staging and verifies it by hashing every file. Baseline:
  ``bagit.Bag(path).validate(processes=2)``, i.e. hashing the tree alone.

After one untimed warm-up copy, runs of a store and of its baseline
alternate, so drift of the machine hits both alike; every run starts with
``sync`` (no earlier dirty pages flushed inside it) and with the source tree
read once (a warm page cache on both sides). Medians are reported, and the
last lines are ``figure <name> <value>`` lines for scripts to pick up.

    python bench/store.py                         # 1 GiB, 3 repeats
    python bench/store.py --size-mib 64 --repeats 2
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bagit  # noqa: E402

from sspkg.paths import uuid_to_path  # noqa: E402
from sspkg.redis_server import RedisServer  # noqa: E402
from tests.servers import Service  # noqa: E402

MIB = 1024 * 1024
SMALL_FILES = 2000
SMALL_SIZES = (1024, 8 * 1024)  # bytes, inclusive range of a small file
WRITE_CHUNK = 4 * MIB
BAG_NAME = "bench-bag"
MOVE_NAME = "bench-bag-move"
DESTINATION = "/api/v2/location/default/AS/"


# --- the bag -----------------------------------------------------------------

def write_random(path: Path, size: int) -> None:
    """Write `size` random bytes to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            chunk = min(remaining, WRITE_CHUNK)
            out.write(os.urandom(chunk))
            remaining -= chunk


def small_file_path(index: int) -> str:
    """Relative path of the index-th small file: three levels of directories."""
    return f"objects/part-{index % 10}/group-{index // 10 % 10}/leaf-{index // 100 % 4}/file-{index:04d}.bin"


def build_bag(bag_dir: Path, total_bytes: int, seed: int = 1) -> None:
    """Fill `bag_dir` with SMALL_FILES small files and one large file, then bag it in place."""
    rng = random.Random(seed)
    sizes = [rng.randint(*SMALL_SIZES) for _ in range(SMALL_FILES)]
    large = total_bytes - sum(sizes)
    if large <= 0:
        raise SystemExit(f"--size-mib too small: the small files alone take {sum(sizes) / MIB:.1f} MiB")
    for index, size in enumerate(sizes):
        write_random(bag_dir / small_file_path(index), size)
    write_random(bag_dir / "objects" / "large.bin", large)
    bagit.make_bag(str(bag_dir), checksums=["sha256"], processes=2)


def tree_stats(root: Path) -> tuple[int, int]:
    """(bytes, files) of every file under `root`."""
    total = count = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            total += os.lstat(os.path.join(dirpath, name)).st_size
            count += 1
    return total, count


# --- conditions of a timed run ---------------------------------------------

def warm(root: Path) -> None:
    """Read every file under `root` once, so it sits in the page cache."""
    buffer = bytearray(WRITE_CHUNK)
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb", buffering=0) as reader:
                while reader.readinto(buffer):
                    pass


def prepare(source: Path) -> None:
    """Flush earlier writes, then warm the cache with `source`: the start of every timed run."""
    os.sync()
    warm(source)


def timed(action: Callable[[], object]) -> float:
    """Seconds `action` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def remove(path: Path) -> None:
    """Remove a tree if it exists."""
    if path.exists():
        shutil.rmtree(path)


def empty_directory(path: Path) -> None:
    """Remove everything inside `path`, keeping `path` itself."""
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- what is timed -----------------------------------------------------------

def cp(source: Path, target: Path, durable: bool = False) -> None:
    """`cp -r source target`, then `sync` if `durable`."""
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    if durable:
        subprocess.run(["sync"], check=True)


def store(service: Service, origin_path: str, size: int, keep_origin: bool) -> str:
    """Store `origin_path` of the CP location through the async API and wait; the package uuid."""
    package_uuid = str(uuid.uuid4())
    body = {"uuid": package_uuid, "package_type": "AIP",
            "origin_location": service.location_uri("CP"), "origin_path": origin_path,
            "current_location": DESTINATION, "current_path": BAG_NAME,
            "size": size, "keep_origin": keep_origin}
    response = service.post("/api/v2/file/async/", json=body)
    if response.status_code != 202:
        raise RuntimeError(f"store request answered {response.status_code}: {response.text}")
    document = service.wait_async(response.headers["Location"], timeout=3600)
    if document["was_error"] is not False:
        raise RuntimeError(f"store failed: {document}")
    return package_uuid


def validate(bag_dir: Path) -> None:
    """Hash the bag against its manifests with bagit, two processes."""
    bagit.Bag(str(bag_dir)).validate(processes=2)


# --- the two modes -----------------------------------------------------------

class Bench:
    """The running service, the bag in its CP location and the timings gathered."""

    def __init__(self, service: Service, scratch: Path, size: int):
        self.service = service
        self.storage = service.data_dir / "storage"
        self.bag = self.storage / "cp" / BAG_NAME
        self.stored = self.storage / "as"
        self.scratch = scratch
        self.size = size
        self.times: dict[str, list[float]] = {}

    def record(self, label: str, seconds: float) -> None:
        """Keep one timing and show it."""
        self.times.setdefault(label, []).append(seconds)
        print(f"  {label:<34} {seconds:8.2f} s", flush=True)

    def check_stored(self, package_uuid: str) -> None:
        """Fail unless the package sits where the service stores it."""
        final = self.stored / uuid_to_path(package_uuid) / BAG_NAME
        if tree_stats(final)[0] != self.size:
            raise RuntimeError(f"stored package at {final} does not have {self.size} bytes")

    def copy_mode(self, repeat: int) -> None:
        """One round: cp -r, cp -r + sync, store with keep_origin=true."""
        target = self.scratch / f"cp-{repeat}"
        for label, durable in (("cp -r", False), ("cp -r + sync", True)):
            prepare(self.bag)
            self.record(label, timed(lambda: cp(self.bag, target, durable)))
            remove(target)
        prepare(self.bag)
        uuids = []
        self.record("store, copy mode", timed(lambda: uuids.append(
            store(self.service, BAG_NAME, self.size, keep_origin=True))))
        self.check_stored(uuids[0])
        empty_directory(self.stored)

    def move_mode(self, repeat: int) -> None:
        """One round: a fresh copy of the bag (untimed); bagit validate; store with keep_origin=false."""
        fresh = self.bag.parent / MOVE_NAME
        cp(self.bag, fresh)
        prepare(fresh)
        self.record("bagit validate, processes=2", timed(lambda: validate(fresh)))
        prepare(fresh)
        uuids = []
        self.record("store, move mode", timed(lambda: uuids.append(
            store(self.service, MOVE_NAME, self.size, keep_origin=False))))
        if fresh.exists():
            raise RuntimeError("move-mode store left its origin behind")
        self.check_stored(uuids[0])
        empty_directory(self.stored)

    def warm_up(self) -> None:
        """An untimed cp -r and removal: the first large write of a run is slower
        (fresh memory pages for the page cache), which would skew round one."""
        target = self.scratch / "warm-up"
        prepare(self.bag)
        cp(self.bag, target, durable=True)
        remove(target)

    def median(self, label: str) -> float:
        """Median seconds of one operation."""
        return statistics.median(self.times[label])


# --- report ------------------------------------------------------------------

def report(bench: Bench, files: int, repeats: int) -> None:
    """Print the table, then the figure lines (last)."""
    mib = bench.size / MIB
    print()
    print(f"bag: {mib:.1f} MiB in {files} files ({SMALL_FILES} small + 1 large + tag files), "
          f"{repeats} repeats, medians")
    print(f"{'operation':<34} {'median s':>9} {'MiB/s':>9}   runs (s)")
    for label, runs in bench.times.items():
        median = statistics.median(runs)
        print(f"{label:<34} {median:9.2f} {mib / median:9.1f}   "
              + " ".join(f"{run:.2f}" for run in runs))
    store_copy = bench.median("store, copy mode")
    store_move = bench.median("store, move mode")
    print()
    print(f"figure store_copy_vs_cp {store_copy / bench.median('cp -r'):.2f}")
    print(f"figure store_copy_vs_cp_sync {store_copy / bench.median('cp -r + sync'):.2f}")
    print(f"figure store_move_vs_hash {store_move / bench.median('bagit validate, processes=2'):.2f}")
    print(f"figure store_copy_mib_s {mib / store_copy:.1f}")
    print(f"figure store_move_mib_s {mib / store_move:.1f}")


# --- main --------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="bag size in MiB (default 1024)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work",
                        help="work directory (default bench/work/)")
    parser.add_argument("--keep", action="store_true", help="leave the work directory in place")
    return parser.parse_args(argv)


def check_space(work: Path, size: int) -> None:
    """Refuse to start without room for the bag, a stored copy and a baseline copy."""
    free = shutil.disk_usage(work).free
    if free < 3.5 * size:
        raise SystemExit(f"need about {3.5 * size / MIB:.0f} MiB free in {work}, have {free / MIB:.0f}")


def main(argv: list[str] | None = None) -> None:
    """Build the bag, start the service, time both modes, report, clean up."""
    args = parse_args(argv)
    created_work = not args.work.exists()
    args.work.mkdir(parents=True, exist_ok=True)
    check_space(args.work, args.size_mib * MIB)
    run_dir = Path(tempfile.mkdtemp(prefix="store-", dir=args.work))
    redis_server = service = None
    try:
        redis_server = RedisServer(run_dir / "redis").start()
        service = Service(redis_server.url, run_dir / "var", workers=1).start()
        bag = service.data_dir / "storage" / "cp" / BAG_NAME
        print(f"building a {args.size_mib} MiB bag at {bag}", flush=True)
        start = time.perf_counter()
        build_bag(bag, args.size_mib * MIB)
        size, files = tree_stats(bag)
        print(f"  built in {time.perf_counter() - start:.1f} s: {size / MIB:.1f} MiB, {files} files")
        scratch = run_dir / "scratch"
        scratch.mkdir()
        bench = Bench(service, scratch, size)
        bench.warm_up()
        for repeat in range(args.repeats):
            print(f"round {repeat + 1}/{args.repeats}", flush=True)
            bench.copy_mode(repeat)
            bench.move_mode(repeat)
        report(bench, files, args.repeats)
    finally:
        if service is not None:
            service.stop()
        if redis_server is not None:
            redis_server.stop()
        if args.keep:
            print(f"kept {run_dir}", file=sys.stderr)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            if created_work and not any(args.work.iterdir()):
                args.work.rmdir()


if __name__ == "__main__":
    main()
