"""A tar archive of a directory, generated chunk by chunk with its length known in advance.

Memory stays constant whatever the size of the tree: headers are built per
entry and file contents are read in chunks as the consumer asks for them.
"""

from __future__ import annotations

import os
import tarfile
from dataclasses import dataclass
from typing import Iterator

BLOCK = 512
CHUNK = 1024 * 1024
END_OF_ARCHIVE = b"\0" * (2 * BLOCK)


@dataclass
class TarEntry:
    """One member of the archive: its header and, for a file, where its data is."""

    header: bytes
    path: str | None
    size: int

    @property
    def length(self) -> int:
        """Bytes this member takes in the archive (header, data, padding)."""
        return len(self.header) + _padded(self.size)


def _padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def _entry(full_path: str, arcname: str) -> TarEntry:
    info = tarfile.TarInfo(arcname)
    stat = os.lstat(full_path)
    info.mtime = int(stat.st_mtime)
    info.mode = stat.st_mode & 0o7777
    if os.path.isdir(full_path):
        info.type = tarfile.DIRTYPE
        return TarEntry(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"), None, 0)
    info.size = stat.st_size
    return TarEntry(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"), full_path, stat.st_size)


def plan_tar(root: str) -> list[TarEntry]:
    """Members of a tar of `root` (named by its base name), symbolic links left out."""
    base = os.path.basename(os.path.normpath(root))
    entries = [_entry(root, base)]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root)
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                continue
            arcname = "/".join(p for p in (base, rel_dir, name) if p != ".")
            entries.append(_entry(full, arcname))
    return entries


def tar_length(entries: list[TarEntry]) -> int:
    """Exact size in bytes of the archive `stream_tar(entries)` produces."""
    return sum(e.length for e in entries) + len(END_OF_ARCHIVE)


def stream_tar(entries: list[TarEntry]) -> Iterator[bytes]:
    """The archive in chunks of about CHUNK bytes (headers and small files are gathered,
    large files read straight through). A file that changed size since planning is an error."""
    pending = bytearray()
    for entry in entries:
        pending += entry.header
        if entry.path is None:
            continue
        with open(entry.path, "rb", buffering=0) as handle:
            remaining = entry.size
            while remaining:
                if len(pending) >= CHUNK:
                    yield bytes(pending)
                    pending.clear()
                chunk = handle.read(min(CHUNK, remaining))
                if not chunk:
                    raise OSError(f"{entry.path} shrank while being archived")
                remaining -= len(chunk)
                if not pending and len(chunk) >= CHUNK:
                    yield chunk
                else:
                    pending += chunk
        pending += b"\0" * (_padded(entry.size) - entry.size)
        if len(pending) >= CHUNK:
            yield bytes(pending)
            pending.clear()
    pending += END_OF_ARCHIVE
    yield bytes(pending)
