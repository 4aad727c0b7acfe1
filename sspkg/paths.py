"""Path safety: every path a client sends is resolved inside its location, or refused."""

from __future__ import annotations

import os
import uuid as uuid_module
from pathlib import Path

from sspkg.exceptions import BadRequest, PathEscapes

MAX_PATH_BYTES = 4096


def check_relative(relative: str, what: str = "path") -> str:
    """Refuse a client path that is not a plain relative path; return it normalised.

    Args:
        relative: the path as the client sent it.
        what: the field name, used in the error message.
    Raises:
        PathEscapes: NUL bytes, absolute paths, `..` segments, over-long paths.
    """
    if not isinstance(relative, str) or relative.strip("/") == "":
        raise BadRequest(f"{what} must be a non-empty relative path")
    if "\x00" in relative:
        raise PathEscapes(f"{what} contains a NUL byte")
    if len(relative.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        raise PathEscapes(f"{what} is longer than {MAX_PATH_BYTES} bytes")
    if relative.startswith("/") or relative.startswith("~"):
        raise PathEscapes(f"{what} must be relative to its location, not absolute: {relative!r}")
    if ".." in relative.split("/"):
        raise PathEscapes(f"{what} must not contain '..' segments: {relative!r}")
    return os.path.normpath(relative)


def is_within(root: str | Path, candidate: str | Path) -> bool:
    """True when `candidate`, symlinks resolved, is `root` or lies below it."""
    root_real = os.path.realpath(root)
    real = os.path.realpath(candidate)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def resolve_within(root: str | Path, relative: str, what: str = "path",
                   must_exist: bool = False) -> Path:
    """Join a client path to a location root, refusing anything that escapes it.

    Symlinks are resolved before the check, so a link pointing outside the
    location is refused as well as a literal `..`.

    Returns:
        The resolved path (symlinks followed) inside the root.
    Raises:
        PathEscapes: the path leaves the root.
        BadRequest: `must_exist` and nothing is there.
    """
    relative = check_relative(relative, what)
    candidate = Path(root) / relative
    if not is_within(root, candidate):
        raise PathEscapes(f"{what} resolves outside its location: {relative!r}")
    if must_exist and not os.path.lexists(candidate):
        raise BadRequest(f"{what} does not exist in its location: {relative!r}")
    return Path(os.path.realpath(candidate))


def uuid_to_path(package_uuid: str) -> str:
    """The SS layout of a uuid: its 32 hex digits in eight 4-digit directories."""
    hex_digits = uuid_module.UUID(package_uuid).hex
    return "/".join(hex_digits[i:i + 4] for i in range(0, 32, 4))


def safe_name(name: str, what: str = "name") -> str:
    """The last segment of a client path, checked to be a usable file name."""
    check_relative(name, what)
    base = os.path.basename(name.rstrip("/"))
    if base in {"", ".", ".."}:
        raise BadRequest(f"{what} has no usable file name: {name!r}")
    return base
