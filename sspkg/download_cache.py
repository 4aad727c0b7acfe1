"""Prepared downloads: a package packed (a tar for a directory) into a cache, served by URL.

The artefact lives in the default SS (storage service internal) location under
``downloads/<token>/``; its record in Redis (``<prefix>:download:<token>``)
expires with it, and a periodic job removes artefacts whose record is gone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass

from config import Settings
from sspkg import copying, locations, package_files, packages, tarstream
from sspkg.catalogue import Catalogue
from sspkg.constants import Purpose
from sspkg.exceptions import NotFound
from sspkg.placement import ProgressReport

logger = logging.getLogger(__name__)

CACHE_DIR = "downloads"


@dataclass
class Artefact:
    """A prepared download."""

    token: str
    package: str
    path: str
    name: str
    size: int
    expires_at: float


def cache_root(catalogue: Catalogue, settings: Settings) -> str:
    """Directory of prepared downloads: in the default SS location, else the data dir."""
    try:
        base = locations.default_location(catalogue, Purpose.SS.value).path
    except NotFound:
        base = str(settings.data_dir / "cache")
    return os.path.join(base, CACHE_DIR)


def _key(catalogue: Catalogue, token: str) -> str:
    return f"{catalogue.prefix}:download:{token}"


def prepare(catalogue: Catalogue, settings: Settings, package_uuid: str, token: str,
            report: ProgressReport) -> Artefact:
    """Pack the package into the cache (idempotent per token) and record it."""
    stored = package_files.locate(catalogue, packages.get_package(catalogue, package_uuid))
    name = f"{stored.name}.tar" if stored.is_directory else stored.name
    directory = os.path.join(cache_root(catalogue, settings), token)
    final = os.path.join(directory, name)
    if not os.path.exists(final):
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        partial = final + ".part"
        if stored.is_directory:
            _write_tar(stored.path, partial, report)
        elif _same_device(stored.path, directory):
            os.link(stored.path, partial)
        else:
            shutil.copyfile(stored.path, partial)
        os.rename(partial, final)
    artefact = Artefact(token, package_uuid, final, name, os.path.getsize(final),
                        time.time() + settings.SS_DOWNLOAD_TTL)
    catalogue.connection.set(_key(catalogue, token), json.dumps(asdict(artefact)),
                             ex=int(settings.SS_DOWNLOAD_TTL))
    return artefact


def _same_device(a: str, b: str) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev


def _write_tar(directory: str, target: str, report: ProgressReport) -> None:
    entries = tarstream.plan_tar(directory)
    progress = copying.Progress(tarstream.tar_length(entries), lambda d, t: report("packing", d, t))
    with open(target, "wb") as handle:
        for chunk in tarstream.stream_tar(entries):
            handle.write(chunk)
            progress.add(len(chunk))
    progress.finish()


def get(catalogue: Catalogue, token: str) -> Artefact:
    """A prepared download; NotFound once it has expired."""
    raw = catalogue.connection.get(_key(catalogue, token))
    if raw is None:
        raise NotFound(f"no prepared download {token} (unknown or expired)")
    artefact = Artefact(**json.loads(raw))
    if not os.path.exists(artefact.path):
        raise NotFound(f"prepared download {token} is gone")
    return artefact


def clean(catalogue: Catalogue, settings: Settings) -> int:
    """Remove every artefact whose record has expired. Returns how many."""
    root = cache_root(catalogue, settings)
    if not os.path.isdir(root):
        return 0
    removed = 0
    for token in os.listdir(root):
        if not catalogue.connection.exists(_key(catalogue, token)):
            shutil.rmtree(os.path.join(root, token), ignore_errors=True)
            removed += 1
    if removed:
        logger.info("removed %d expired downloads", removed)
    return removed
