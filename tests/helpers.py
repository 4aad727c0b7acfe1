"""Shared test helpers: locations by purpose, store request bodies, independent checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sspkg.paths import uuid_to_path


def location_uri(client, headers, purpose: str) -> str:
    """URI of the (bootstrap) location of a purpose."""
    response = client.get(f"/api/v2/location/?purpose={purpose}", headers=headers)
    return response.get_json()["objects"][0]["resource_uri"]


def store_body(client, headers, package_uuid: str, origin_path: str, **extra) -> dict:
    """A store request as the Archivematica dashboard sends it."""
    body = {
        "uuid": package_uuid, "package_type": "AIP",
        "origin_location": location_uri(client, headers, "CP"), "origin_path": origin_path,
        "current_location": "/api/v2/location/default/AS/", "current_path": origin_path,
        "size": None, "origin_pipeline": None, "related_package_uuid": None,
        "events": [], "agents": [], "aip_subtype": "Archival Information Package",
    }
    body.update(extra)
    return body


def stored_path(storage: Path, package_uuid: str, name: str, purpose: str = "as") -> Path:
    """Where a stored package lives in the bootstrap space."""
    return storage / purpose / uuid_to_path(package_uuid) / name


def independent_checksum(root: Path) -> str:
    """The documented package checksum, computed without sspkg: sha256 of the sorted
    `sha256sum`-style manifest of a directory, or the sha256 of a single file."""
    if root.is_file():
        return hashlib.sha256(root.read_bytes()).hexdigest()
    lines = sorted(
        (str(p.relative_to(root)).encode(), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in root.rglob("*") if p.is_file()
    )
    return hashlib.sha256(b"".join(h.encode() + b"  " + rel + b"\n" for rel, h in lines)).hexdigest()


def all_paths(root: Path) -> set[str]:
    """Every path under `root` (to show nothing was written)."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def run_queued_jobs(connection) -> None:
    """Run every job waiting in any queue, in this process (jobs that jobs queue, too)."""
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from sspkg.queues import OPERATIONS, get_queue

    names = sorted({queue for _, queue in OPERATIONS.values()})
    SimpleWorker([get_queue(connection, n) for n in names], connection=connection,
                 serializer=JSONSerializer).work(burst=True)
