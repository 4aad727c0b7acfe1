"""Benchmark: how fast does the service send a stored bag as a tar, compared with tar itself?

One run builds the benchmark bag (about 1 GiB by default: 2,000 small files
plus one large file, see bench/common.py), starts the real service
(redis-server, gunicorn and one RQ worker) and stores the bag once (copy
mode). It then times:

* ``GET /api/v2/file/<uuid>/download/``: the web process streams a tar of the
  stored directory, built on the fly; the client reads it with ``requests``
  (``stream=True``, ``iter_content`` in 1 MiB chunks) and discards it.
* ``tar -cf - DIR | cat >/dev/null`` of the same stored tree, through bash
  (the ``cat`` keeps GNU tar from noticing /dev/null and skipping the reads).

After untimed warm-up runs (one download whose byte count is checked against
Content-Length and whose members are checked against the stored tree, one
plain download, one tar), runs of the two alternate; every run starts with
``sync`` and with the stored tree read once (a warm page cache on both
sides). Medians are reported, and the last lines are ``figure <name>
<value>`` lines for scripts to pick up (``download_vs_tar`` is tar's time
over the download's: higher is better).

    python bench/download.py                         # 1 GiB, 3 repeats
    python bench/download.py --size-mib 64 --repeats 2
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
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

READ_CHUNK = MIB
TIMEOUT = (10, 600)  # seconds: to connect, between two reads
DOWNLOAD = "download (requests, 1 MiB chunks)"
TAR = "tar -cf - | cat >/dev/null"


# --- what is timed -----------------------------------------------------------

def open_download(service: Service, package_uuid: str) -> requests.Response:
    """The streamed response of the package's download; fail unless it answers 200."""
    response = requests.get(f"{service.url}/api/v2/file/{package_uuid}/download/",
                            headers=service.headers, stream=True, timeout=TIMEOUT)
    if response.status_code != 200:
        response.close()
        raise RuntimeError(f"download answered {response.status_code}: {response.text[:2000]}")
    return response


def download(service: Service, package_uuid: str) -> int:
    """Read the whole download, discarding it; the bytes read."""
    total = 0
    with open_download(service, package_uuid) as response:
        for chunk in response.iter_content(READ_CHUNK):
            total += len(chunk)
    return total


def tar(directory: Path) -> None:
    """`tar -cf - DIR | cat >/dev/null`, run from DIR's parent as the service names it."""
    subprocess.run(["bash", "-c", 'set -o pipefail; tar -cf - "$1" | cat >/dev/null', "tar",
                    directory.name], cwd=directory.parent, check=True)


# --- the untimed check -------------------------------------------------------

class CountingReader(io.RawIOBase):
    """A readable stream over byte chunks that counts what it hands out."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.pending = b""
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            self.pending = next(self.chunks, b"")
            if not self.pending:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        self.count += size
        return size


def verify_download(service: Service, package_uuid: str, stored: Path) -> None:
    """Download once: fail unless the byte count equals Content-Length and the
    archive's members are the stored tree's entries, named under its base name."""
    expected = {stored.name}
    for dirpath, dirnames, filenames in os.walk(stored):
        rel = os.path.relpath(dirpath, stored.parent)
        expected.update(f"{rel}/{name}" for name in dirnames + filenames)
    with open_download(service, package_uuid) as response:
        length = int(response.headers["Content-Length"])
        reader = CountingReader(response.iter_content(READ_CHUNK))
        with tarfile.open(fileobj=io.BufferedReader(reader, READ_CHUNK), mode="r|") as archive:
            members = {member.name for member in archive}
        while reader.read(READ_CHUNK):
            pass
    if reader.count != length:
        raise RuntimeError(f"downloaded {reader.count} bytes, Content-Length says {length}")
    if members != expected:
        raise RuntimeError(f"the archive has {len(members)} members, the stored tree "
                           f"{len(expected)} entries ({len(members ^ expected)} differ)")
    print(f"  download checked: {reader.count} bytes = Content-Length, {len(members)} members")


# --- the runs ----------------------------------------------------------------

class Bench(Timings):
    """The running service, the stored package and the timings gathered."""

    def __init__(self, service: Service, package_uuid: str, stored: Path, size: int):
        super().__init__()
        self.service = service
        self.package_uuid = package_uuid
        self.stored = stored
        self.size = size
        self.archive_bytes = 0

    def warm_up(self) -> None:
        """One untimed, checked download, one untimed plain download (the check reads
        slowly, so the service has not yet sent at full speed) and one untimed tar."""
        prepare(self.stored)
        verify_download(self.service, self.package_uuid, self.stored)
        prepare(self.stored)
        download(self.service, self.package_uuid)
        prepare(self.stored)
        tar(self.stored)

    def round(self) -> None:
        """tar, then the service's download, each from a warm cache."""
        prepare(self.stored)
        self.record(TAR, timed(lambda: tar(self.stored)))
        prepare(self.stored)
        sizes = []
        self.record(DOWNLOAD, timed(lambda: sizes.append(download(self.service, self.package_uuid))))
        self.archive_bytes = sizes[0]


# --- report ------------------------------------------------------------------

def report(bench: Bench, files: int, repeats: int) -> None:
    """Print the table, then the figure lines (last). MiB/s are of the stored files' bytes."""
    mib = bench.size / MIB
    print()
    print(f"stored bag: {mib:.1f} MiB in {files} files ({SMALL_FILES} small + 1 large + tag files), "
          f"a {bench.archive_bytes / MIB:.1f} MiB tar; {repeats} repeats, medians")
    bench.table(mib)
    download_time = bench.median(DOWNLOAD)
    print()
    print(f"figure download_vs_tar {bench.median(TAR) / download_time:.2f}")
    print(f"figure download_mib_s {mib / download_time:.1f}")


# --- main --------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    """Build and store the bag, time the download and tar, report, clean up."""
    args = parse_args(__doc__, argv)
    with session(args, "download-", space=2.5) as service:
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
