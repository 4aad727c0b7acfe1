"""Records of the catalogue as dataclasses: Space, Location, Pipeline, Package, User."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar


def utcnow() -> str:
    """Now, as an ISO 8601 UTC timestamp."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Record:
    """Conversion between a dataclass and its JSON record in the catalogue."""

    kind: ClassVar[str]

    @classmethod
    def from_record(cls, record: dict):
        """Build from a stored record, ignoring fields this version does not know."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in record.items() if k in names})

    def to_record(self) -> dict:
        """The JSON-ready record."""
        return dataclasses.asdict(self)


@dataclass
class Space(Record):
    """A storage space: a filesystem tree under which locations live."""

    kind: ClassVar[str] = "space"
    uuid: str
    path: str
    access_protocol: str = "FS"
    staging_path: str = ""
    size: int | None = None
    used: int = 0
    verified: bool = False
    last_verified: str | None = None
    queue: str | None = None
    created: str = field(default_factory=utcnow)


@dataclass
class Location(Record):
    """A directory of a space with one purpose, shared with some pipelines."""

    kind: ClassVar[str] = "location"
    uuid: str
    space: str
    purpose: str
    relative_path: str
    path: str
    description: str = ""
    enabled: bool = True
    quota: int | None = None
    used: int = 0
    pipelines: list[str] = field(default_factory=list)
    replicators: list[str] = field(default_factory=list)
    created: str = field(default_factory=utcnow)


@dataclass
class Pipeline(Record):
    """An Archivematica pipeline registered with the service."""

    kind: ClassVar[str] = "pipeline"
    uuid: str
    description: str = ""
    remote_name: str = ""
    api_username: str = ""
    api_key: str = ""
    enabled: bool = True
    created: str = field(default_factory=utcnow)


@dataclass
class Package(Record):
    """A stored (or being stored) package: AIP, DIP, transfer..."""

    kind: ClassVar[str] = "package"
    uuid: str
    package_type: str
    status: str
    current_location: str
    current_path: str
    origin_location: str | None = None
    origin_path: str | None = None
    origin_pipeline: str | None = None
    description: str = ""
    size: int | None = None
    checksum: str | None = None
    checksum_algorithm: str | None = None
    stored_date: str | None = None
    pointer_file_location: str | None = None
    pointer_file_path: str | None = None
    replicated_package: str | None = None
    replicas: list[str] = field(default_factory=list)
    related_packages: list[str] = field(default_factory=list)
    misc_attributes: dict[str, Any] = field(default_factory=dict)
    encrypted: bool = False
    keep_origin: bool = True
    is_bag: bool | None = None
    job_id: str | None = None
    store_attempts: int = 0
    error: str | None = None
    created: str = field(default_factory=utcnow)
    updated: str = field(default_factory=utcnow)


@dataclass
class User(Record):
    """A user of the API with a hashed API key."""

    kind: ClassVar[str] = "user"
    username: str
    role: str
    key_salt: str
    key_hash: str
    email: str = ""
    created: str = field(default_factory=utcnow)
