"""Browsing a directory of a location or space, as SS answers it (names base64-encoded)."""

from __future__ import annotations

import base64
import binascii
import os

from sspkg.exceptions import BadRequest, NotFound
from sspkg.paths import resolve_within
from sspkg.storing import STAGING_DIR

MAX_COUNTED_OBJECTS = 10000
HIDDEN = frozenset({STAGING_DIR})


def decode_path(encoded: str | None) -> str:
    """The path a client sent base64-encoded ('' for none)."""
    if not encoded:
        return ""
    try:
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("path must be base64-encoded UTF-8") from None


def _relative_to_root(root: str, path: str) -> str:
    """A browse path may be absolute (inside the root, as SS clients send it) or relative."""
    if os.path.isabs(path):
        root_abs = os.path.realpath(root)
        real = os.path.normpath(path)
        if real != root_abs and not real.startswith(root_abs.rstrip("/") + "/"):
            raise BadRequest("path is outside the location")
        return os.path.relpath(real, root_abs)
    return path


def _count_objects(path: str) -> int:
    count = 0
    for _, dirnames, filenames in os.walk(path):
        count += len(dirnames) + len(filenames)
        if count >= MAX_COUNTED_OBJECTS:
            return MAX_COUNTED_OBJECTS
    return count


def _b64(name: str) -> str:
    return base64.b64encode(name.encode("utf-8", "surrogateescape")).decode("ascii")


def browse(root: str, encoded_path: str | None) -> dict:
    """`{entries, directories, properties}` of a directory under `root`; names base64."""
    relative = _relative_to_root(root, decode_path(encoded_path))
    directory = root if relative in ("", ".") else str(resolve_within(root, relative, "path"))
    if not os.path.isdir(directory):
        raise NotFound("path is not a directory of this location")
    entries, directories, properties = [], [], {}
    for name in sorted(os.listdir(directory)):
        if name in HIDDEN:
            continue
        full = os.path.join(directory, name)
        encoded = _b64(name)
        entries.append(encoded)
        if os.path.isdir(full) and not os.path.islink(full):
            directories.append(encoded)
            properties[encoded] = {"object count": _count_objects(full)}
        else:
            properties[encoded] = {"size": os.lstat(full).st_size}
    return {"entries": entries, "directories": directories, "properties": properties}
