"""What the benchmarks share: the bag, the running service, the conditions of a
timed run, the timings and their table, and the command line.

Each benchmark is run as a script (``python bench/<name>.py``) and imports
this module as ``bench.common``; importing it puts the project root on
``sys.path``, so the service's packages import too.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bagit  # noqa: E402

from sspkg.redis_server import RedisServer  # noqa: E402
from tests.servers import Service  # noqa: E402

MIB = 1024 * 1024
SMALL_FILES = 2000
SMALL_SIZES = (1024, 8 * 1024)  # bytes, inclusive range of a small file
WRITE_CHUNK = 4 * MIB
BAG_NAME = "bench-bag"
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


def build_service_bag(service: Service, size_mib: int) -> tuple[Path, int, int]:
    """Build the bag in the service's CP location, saying so; (path, bytes, files)."""
    bag = service.data_dir / "storage" / "cp" / BAG_NAME
    print(f"building a {size_mib} MiB bag at {bag}", flush=True)
    start = time.perf_counter()
    build_bag(bag, size_mib * MIB)
    size, files = tree_stats(bag)
    print(f"  built in {time.perf_counter() - start:.1f} s: {size / MIB:.1f} MiB, {files} files")
    return bag, size, files


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


# --- the service -------------------------------------------------------------

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


def store_once(service: Service, size: int) -> tuple[str, Path]:
    """Store the bag (copy mode, untimed), check the stored tree; (uuid, stored path)."""
    print("storing the bag once (copy mode)", flush=True)
    start = time.perf_counter()
    package_uuid = store(service, BAG_NAME, size, keep_origin=True)
    response = service.get(f"/api/v2/file/{package_uuid}/")
    response.raise_for_status()
    stored = Path(response.json()["current_full_path"])
    if tree_stats(stored)[0] != size:
        raise RuntimeError(f"stored package at {stored} does not have {size} bytes")
    print(f"  stored in {time.perf_counter() - start:.1f} s at {stored}")
    return package_uuid, stored


@contextmanager
def session(args: argparse.Namespace, prefix: str, space: float,
            env: dict | None = None, workers: int = 1) -> Iterator[Service]:
    """A run directory in `args.work` with redis-server and the service (`workers` RQ
    workers) running in it; everything stopped and (unless `args.keep`) removed at the
    end, whatever happens.

    `space` is how many bags' worth of free space the run needs.
    """
    created_work = not args.work.exists()
    args.work.mkdir(parents=True, exist_ok=True)
    check_space(args.work, args.size_mib * MIB, space)
    run_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=args.work))
    redis_server = service = None
    try:
        redis_server = RedisServer(run_dir / "redis").start()
        service = Service(redis_server.url, run_dir / "var", workers=workers, env=env)
        service.start()  # `service` is set first, so a failed start is stopped too
        yield service
    finally:
        if service is not None:
            service.stop()
        if redis_server is not None:
            redis_server.stop()
        release_work(args, run_dir, created_work)


def release_work(args: argparse.Namespace, run_dir: Path, created_work: bool) -> None:
    """Keep the run's directory (--keep) or remove it, and the work directory if we made it."""
    if args.keep:
        print(f"kept {run_dir}", file=sys.stderr)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
        if created_work and not any(args.work.iterdir()):
            args.work.rmdir()


# --- timings -----------------------------------------------------------------

class Timings:
    """Seconds of each operation, in the order they were first recorded."""

    def __init__(self):
        self.times: dict[str, list[float]] = {}

    def record(self, label: str, seconds: float) -> None:
        """Keep one timing and show it."""
        self.times.setdefault(label, []).append(seconds)
        print(f"  {label:<34} {seconds:8.2f} s", flush=True)

    def median(self, label: str) -> float:
        """Median seconds of one operation."""
        return statistics.median(self.times[label])

    def table(self, mib: float) -> None:
        """One line per operation: median, MiB/s at the median, every run."""
        print(f"{'operation':<34} {'median s':>9} {'MiB/s':>9}   runs (s)")
        for label, runs in self.times.items():
            median = statistics.median(runs)
            print(f"{label:<34} {median:9.2f} {mib / median:9.1f}   "
                  + " ".join(f"{run:.2f}" for run in runs))


# --- command line ------------------------------------------------------------

def parse_args(doc: str, argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of a benchmark whose module docstring is `doc`."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="bag size in MiB (default 1024)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work",
                        help="work directory (default bench/work/)")
    parser.add_argument("--keep", action="store_true", help="leave the work directory in place")
    return parser.parse_args(argv)


def check_space(work: Path, size: int, factor: float = 3.5) -> None:
    """Refuse to start without room for `factor` times `size` bytes."""
    free = shutil.disk_usage(work).free
    if free < factor * size:
        raise SystemExit(f"need about {factor * size / MIB:.0f} MiB free in {work}, have {free / MIB:.0f}")
