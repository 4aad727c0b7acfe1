"""Test bags: real BagIt bags made with the `bagit` library."""

from __future__ import annotations

import os
from pathlib import Path

import bagit

TRICKY_NAMES = ["file with spaces.txt", "ñandú-café.txt", "日本語.bin"]


def make_bag(root: Path, files: int = 20, depth: int = 3, big_bytes: int = 0,
             algorithms=("sha256",)) -> Path:
    """A valid bag at `root` with `files` files in nested directories and tricky names."""
    root.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        subdir = root.joinpath(*[f"level{(index + d) % 4}" for d in range(index % (depth + 1))])
        subdir.mkdir(parents=True, exist_ok=True)
        (subdir / f"file-{index:04d}.dat").write_bytes(os.urandom(64 + index % 2048))
    for name in TRICKY_NAMES:
        (root / name).write_bytes(name.encode() * 17)
    if big_bytes:
        with open(root / "big.bin", "wb") as handle:
            for _ in range(big_bytes // (1 << 20)):
                handle.write(os.urandom(1 << 20))
    bagit.make_bag(str(root), checksums=list(algorithms))
    return root


def tree_files(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
