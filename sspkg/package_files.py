"""Reading stored packages: where a package is on disk, its file list, one file of it."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sspkg import locations
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus
from sspkg.exceptions import BadRequest, Conflict, NotFound
from sspkg.models import Package
from sspkg.paths import resolve_within

READABLE_STATUSES = frozenset({PackageStatus.UPLOADED.value, PackageStatus.VERIFIED.value,
                               PackageStatus.DEL_REQ.value, PackageStatus.MOVING.value})


@dataclass
class StoredPackage:
    """A package and the absolute path of its stored copy."""

    package: Package
    path: str

    @property
    def is_directory(self) -> bool:
        """Whether the package is a directory (else one file)."""
        return os.path.isdir(self.path)

    @property
    def name(self) -> str:
        """The package's file or directory name."""
        return os.path.basename(self.path.rstrip("/"))


def locate(catalogue: Catalogue, package: Package) -> StoredPackage:
    """Where a readable package is; Conflict while it is not stored, NotFound if its files are gone."""
    if package.status not in READABLE_STATUSES:
        raise Conflict(f"package {package.uuid} is {package.status}; its files cannot be read now")
    location = locations.get_location(catalogue, package.current_location)
    path = str(resolve_within(location.path, package.current_path, "current_path"))
    if not os.path.lexists(path):
        raise NotFound(f"the files of package {package.uuid} are missing from {location.uuid}")
    return StoredPackage(package, path)


def member_path(stored: StoredPackage, relative: str) -> str:
    """Absolute path of one file of a directory package; 400 if it escapes, 404 if absent.

    A path may start with the package's own name (as SS clients send it) or not.
    """
    if not stored.is_directory:
        raise BadRequest("this package is a single file; there is nothing to extract from it")
    prefix = stored.name + "/"
    inner = relative[len(prefix):] if relative.startswith(prefix) else relative
    path = str(resolve_within(stored.path, inner, "relative_path_to_file"))
    if not os.path.isfile(path):
        raise NotFound(f"{relative!r} is not a file of package {stored.package.uuid}")
    return path


def list_files(stored: StoredPackage) -> list[dict]:
    """Every file of the package: relative path and size (SS `contents/`)."""
    if not stored.is_directory:
        return [{"path": stored.name, "size": os.path.getsize(stored.path)}]
    files = []
    for dirpath, _, filenames in os.walk(stored.path):
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            files.append({"path": os.path.relpath(full, stored.path), "size": os.lstat(full).st_size})
    return sorted(files, key=lambda f: f["path"])


def tar_member(stored: StoredPackage, relative: str):
    """(member info, open file) of one file inside a tar package; 404 if absent."""
    import tarfile

    archive = tarfile.open(stored.path, "r:*")
    candidates = [relative, f"{os.path.splitext(stored.name)[0]}/{relative}"]
    for name in candidates:
        try:
            member = archive.getmember(name)
        except KeyError:
            continue
        if member.isfile():
            return member, archive.extractfile(member)
    archive.close()
    raise NotFound(f"{relative!r} is not a file of package {stored.package.uuid}")


def is_tar(stored: StoredPackage) -> bool:
    """Whether a single-file package is a tar archive (possibly compressed)."""
    import tarfile

    return not stored.is_directory and tarfile.is_tarfile(stored.path)
