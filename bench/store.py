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

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bagit  # noqa: E402

from bench.common import (  # noqa: E402
    BAG_NAME,
    MIB,
    SMALL_FILES,
    Timings,
    build_service_bag,
    empty_directory,
    parse_args,
    prepare,
    remove,
    session,
    store,
    timed,
    tree_stats,
)
from sspkg.paths import uuid_to_path  # noqa: E402
from tests.servers import Service  # noqa: E402

MOVE_NAME = "bench-bag-move"


# --- what is timed -----------------------------------------------------------

def cp(source: Path, target: Path, durable: bool = False) -> None:
    """`cp -r source target`, then `sync` if `durable`."""
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    if durable:
        subprocess.run(["sync"], check=True)


def validate(bag_dir: Path) -> None:
    """Hash the bag against its manifests with bagit, two processes."""
    bagit.Bag(str(bag_dir)).validate(processes=2)


# --- the two modes -----------------------------------------------------------

class Bench(Timings):
    """The running service, the bag in its CP location and the timings gathered."""

    def __init__(self, service: Service, scratch: Path, size: int):
        super().__init__()
        self.service = service
        self.storage = service.data_dir / "storage"
        self.bag = self.storage / "cp" / BAG_NAME
        self.stored = self.storage / "as"
        self.scratch = scratch
        self.size = size

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


# --- report ------------------------------------------------------------------

def report(bench: Bench, files: int, repeats: int) -> None:
    """Print the table, then the figure lines (last)."""
    mib = bench.size / MIB
    print()
    print(f"bag: {mib:.1f} MiB in {files} files ({SMALL_FILES} small + 1 large + tag files), "
          f"{repeats} repeats, medians")
    bench.table(mib)
    store_copy = bench.median("store, copy mode")
    store_move = bench.median("store, move mode")
    print()
    print(f"figure store_copy_vs_cp {store_copy / bench.median('cp -r'):.2f}")
    print(f"figure store_copy_vs_cp_sync {store_copy / bench.median('cp -r + sync'):.2f}")
    print(f"figure store_move_vs_hash {store_move / bench.median('bagit validate, processes=2'):.2f}")
    print(f"figure store_copy_mib_s {mib / store_copy:.1f}")
    print(f"figure store_move_mib_s {mib / store_move:.1f}")


# --- main --------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Build the bag, start the service, time both modes, report, clean up."""
    args = parse_args(__doc__, argv)
    with session(args, "store-", space=3.5) as service:
        _, size, files = build_service_bag(service, args.size_mib)
        scratch = service.data_dir.parent / "scratch"
        scratch.mkdir()
        bench = Bench(service, scratch, size)
        bench.warm_up()
        for repeat in range(args.repeats):
            print(f"round {repeat + 1}/{args.repeats}", flush=True)
            bench.copy_mode(repeat)
            bench.move_mode(repeat)
        report(bench, files, args.repeats)


if __name__ == "__main__":
    main()
