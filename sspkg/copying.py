"""Copy and hash package trees, reading every byte once.

A copy hashes each chunk on a helper thread while the next chunk is read and
written, so verification costs little more than the copy itself (hashlib and
file I/O release the GIL). Nothing here follows a symbolic link.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import logging
import os
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sspkg.constants import CHECKSUM_ALGORITHM
from sspkg.exceptions import PackageInvalid

logger = logging.getLogger(__name__)

CHUNK_SIZE = 4 * 1024 * 1024
SMALL_FILE = 1024 * 1024
BUFFERS = 3


@dataclass
class TreeScan:
    """What a package tree holds: its files (relative path -> size) and directories."""

    files: dict[str, int] = field(default_factory=dict)
    directories: list[str] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """Sum of file sizes."""
        return sum(self.files.values())


class Progress:
    """Thread-safe byte counter that reports at most once per `interval` seconds."""

    def __init__(self, total: int, report: Callable[[int, int], None] | None = None,
                 interval: float = 0.5):
        self.total = total
        self.done = 0
        self._report = report
        self._interval = interval
        self._last = 0.0
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        """Count `count` more bytes done, reporting if the interval has passed."""
        with self._lock:
            self.done += count
            now = time.monotonic()
            due = self._report is not None and now - self._last >= self._interval
            if due:
                self._last = now
        if due:
            self._report(self.done, self.total)

    def finish(self) -> None:
        """Report the final count whatever the interval."""
        if self._report is not None:
            self._report(self.done, self.total)


def scan_tree(root: str) -> TreeScan:
    """List a package tree; refuse symbolic links and special files.

    A single file is a tree of one file whose relative path is its name.
    """
    scan = TreeScan()
    mode = os.lstat(root).st_mode
    if stat.S_ISLNK(mode):
        raise PackageInvalid(f"package is a symbolic link: {os.path.basename(root)}")
    if stat.S_ISREG(mode):
        scan.files[os.path.basename(root)] = os.lstat(root).st_size
        return scan
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            entry = os.lstat(full)
            if stat.S_ISLNK(entry.st_mode):
                raise PackageInvalid(f"package contains a symbolic link: {rel}")
            if stat.S_ISDIR(entry.st_mode):
                scan.directories.append(rel)
            elif stat.S_ISREG(entry.st_mode):
                scan.files[rel] = entry.st_size
            else:
                raise PackageInvalid(f"package contains a special file: {rel}")
    return scan


def _update_all(hashers: list, chunk) -> None:
    for hasher in hashers:
        hasher.update(chunk)


def _write_all(fd: int, chunk: memoryview) -> None:
    while chunk:
        written = os.write(fd, chunk)
        chunk = chunk[written:]


def copy_file(src: str, dst: str, algorithms: Iterable[str], progress: Progress,
              hasher: ThreadPoolExecutor) -> dict[str, str]:
    """Copy one file, hashing it on `hasher` (one thread) in the same pass.

    Returns:
        Hex digests by algorithm.
    """
    hashers = [hashlib.new(a) for a in algorithms]
    src_fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        info = os.fstat(src_fd)
        dst_fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         stat.S_IMODE(info.st_mode) | stat.S_IWUSR)
        try:
            if info.st_size <= SMALL_FILE:
                _copy_small(src_fd, dst_fd, hashers, progress)
            else:
                _copy_pipelined(src_fd, dst_fd, hashers, progress, hasher)
        finally:
            os.close(dst_fd)
        os.utime(dst, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
    finally:
        os.close(src_fd)
    return {h.name: h.hexdigest() for h in hashers}


def _copy_small(src_fd: int, dst_fd: int, hashers: list, progress: Progress) -> None:
    while True:
        data = os.read(src_fd, SMALL_FILE)
        if not data:
            return
        _update_all(hashers, data)
        _write_all(dst_fd, memoryview(data))
        progress.add(len(data))


def _copy_pipelined(src_fd: int, dst_fd: int, hashers: list, progress: Progress,
                    hasher: ThreadPoolExecutor) -> None:
    buffers = [bytearray(CHUNK_SIZE) for _ in range(BUFFERS)]
    pending = [None] * BUFFERS
    index = 0
    with open(src_fd, "rb", buffering=0, closefd=False) as reader:
        while True:
            if pending[index] is not None:
                pending[index].result()
            view = memoryview(buffers[index])
            count = reader.readinto(view)
            if not count:
                break
            chunk = view[:count]
            pending[index] = hasher.submit(_update_all, hashers, chunk)
            _write_all(dst_fd, chunk)
            progress.add(count)
            index = (index + 1) % BUFFERS
    for future in pending:
        if future is not None:
            future.result()


COPY_THREADS = 2


class _CopyWorker(threading.local):
    """Per-thread state of a tree copy: an ordered hasher thread of its own."""

    def __init__(self):
        self.hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash")


def copy_tree(src: str, dst: str, scan: TreeScan, algorithms: Iterable[str],
              progress: Progress) -> dict[str, dict[str, str]]:
    """Copy a scanned tree (or single file) to `dst`, hashing every file once.

    Files are copied on two threads, largest first, so creating many small
    files overlaps with hashing a large one.

    Returns:
        Digests by relative path, then by algorithm.
    """
    algorithms = list(algorithms)
    if os.path.isfile(src) and not os.path.islink(src):
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as hasher:
            return {os.path.basename(src): copy_file(src, dst, algorithms, progress, hasher)}
    os.makedirs(dst, exist_ok=True)
    for rel in scan.directories:
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
    ordered = sorted(scan.files, key=scan.files.get, reverse=True)
    workers = _CopyWorker()
    hashers = []

    def copy_one(rel: str) -> dict[str, str]:
        if workers.hasher not in hashers:
            hashers.append(workers.hasher)
        return copy_file(os.path.join(src, rel), os.path.join(dst, rel), algorithms, progress,
                         workers.hasher)

    try:
        with ThreadPoolExecutor(max_workers=COPY_THREADS, thread_name_prefix="copy") as pool:
            return dict(zip(ordered, pool.map(copy_one, ordered), strict=True))
    finally:
        for hasher in hashers:
            hasher.shutdown()


_buffers = threading.local()


def _buffer() -> memoryview:
    """This thread's reusable read buffer (allocating 4 MiB per file is slow)."""
    if not hasattr(_buffers, "view"):
        _buffers.view = memoryview(bytearray(CHUNK_SIZE))
    return _buffers.view


def hash_file(path: str, algorithms: Iterable[str], progress: Progress | None = None) -> dict[str, str]:
    """Hex digests of one file by algorithm."""
    hashers = [hashlib.new(a) for a in algorithms]
    view = _buffer()
    with open(path, "rb", buffering=0) as reader:
        while True:
            count = reader.readinto(view)
            if not count:
                break
            _update_all(hashers, view[:count])
            if progress is not None:
                progress.add(count)
    return {h.name: h.hexdigest() for h in hashers}


def hash_tree(root: str, scan: TreeScan, algorithms: Iterable[str],
              progress: Progress | None = None, threads: int = 0) -> dict[str, dict[str, str]]:
    """Hash every file of a scanned tree in place, largest first, on `threads` threads."""
    algorithms = list(algorithms)
    if os.path.isfile(root):
        return {os.path.basename(root): hash_file(root, algorithms, progress)}
    ordered = sorted(scan.files, key=scan.files.get, reverse=True)
    workers = threads or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hash") as pool:
        results = pool.map(lambda rel: hash_file(os.path.join(root, rel), algorithms, progress),
                           ordered)
        return dict(zip(ordered, results, strict=True))


def package_checksum(digests: dict[str, dict[str, str]], single_file: bool) -> str:
    """The package checksum: a single file's sha256; for a tree the sha256 of its sorted
    `sha256sum`-style manifest (``<hex>  <relative path>\\n`` per file, sorted by bytes)."""
    if single_file:
        return next(iter(digests.values()))[CHECKSUM_ALGORITHM]
    lines = sorted(
        (rel.encode("utf-8", "surrogateescape"), d[CHECKSUM_ALGORITHM]) for rel, d in digests.items()
    )
    manifest = hashlib.sha256()
    for rel, hex_digest in lines:
        manifest.update(hex_digest.encode() + b"  " + rel + b"\n")
    return manifest.hexdigest()


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def sync_filesystem(path: str) -> None:
    """Flush everything written to the filesystem holding `path` to disk (syncfs(2))."""
    fd = os.open(path, os.O_RDONLY)
    try:
        syncfs = getattr(_libc, "syncfs", None)
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def fsync_directory(path: str) -> None:
    """Make a directory's entries (a rename into it) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
