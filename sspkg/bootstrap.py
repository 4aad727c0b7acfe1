"""First start: a default space with one location per purpose, and an admin user."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from sspkg import locations, users
from sspkg.catalogue import Catalogue
from sspkg.constants import BOOTSTRAP_PURPOSES, Role
from sspkg.exceptions import BadRequest

logger = logging.getLogger(__name__)

ADMIN_KEY_FILE = "admin-api-key"


@dataclass
class BootstrapResult:
    """What bootstrap found or made."""

    username: str
    api_key: str | None
    created_space: bool


def bootstrap(catalogue: Catalogue, settings: Settings) -> BootstrapResult:
    """Create the default space, locations and admin user where missing. Idempotent."""
    created_space = False
    if not catalogue.ids("space"):
        _create_default_space(catalogue, settings.data_dir / "storage")
        created_space = True
    username, api_key = _ensure_admin(catalogue, settings)
    return BootstrapResult(username, api_key, created_space)


def _create_default_space(catalogue: Catalogue, root: Path) -> None:
    space = locations.create_space(catalogue, str(root))
    for purpose in BOOTSTRAP_PURPOSES:
        locations.create_location(catalogue, space, purpose, purpose.value.lower(),
                                  description=f"Default {purpose.value} location", default=True)
    logger.info("created default space at %s", root)


def _ensure_admin(catalogue: Catalogue, settings: Settings) -> tuple[str, str | None]:
    """The admin of SS_BOOTSTRAP_API_KEY, else `admin` with a key kept in the data dir."""
    if settings.SS_BOOTSTRAP_API_KEY:
        username, sep, api_key = settings.SS_BOOTSTRAP_API_KEY.partition(":")
        if not sep or not api_key:
            raise BadRequest("SS_BOOTSTRAP_API_KEY must be user:key")
        users.ensure_user(catalogue, username, api_key, Role.ADMIN)
        return username, api_key
    key_file = settings.data_dir / ADMIN_KEY_FILE
    if catalogue.get("user", "admin") is None:
        _, api_key = users.create_user(catalogue, "admin", Role.ADMIN)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"admin:{api_key}\n")
        return "admin", api_key
    if key_file.exists():
        return key_file.read_text().strip().partition(":")[::2]
    return "admin", None
