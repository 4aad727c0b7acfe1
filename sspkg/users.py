"""Users and API keys: keys are stored as salted SHA-256 and compared in constant time.

Generated keys carry 160 random bits, so a fast hash is enough: nobody can guess
one from its hash, and checking it costs microseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sspkg.catalogue import Catalogue
from sspkg.constants import Role
from sspkg.exceptions import BadRequest, Conflict
from sspkg.models import User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")


def _hash_key(salt: str, api_key: str) -> str:
    return hashlib.sha256(f"{salt}:{api_key}".encode()).hexdigest()


def new_api_key() -> str:
    """A fresh random API key (40 hex digits)."""
    return secrets.token_hex(20)


def create_user(catalogue: Catalogue, username: str, role: Role = Role.USER,
                api_key: str | None = None, email: str = "") -> tuple[User, str]:
    """Create a user; Conflict if the name is taken.

    Returns:
        The user and its API key in clear (shown once, never stored).
    """
    if not USERNAME_PATTERN.match(username or ""):
        raise BadRequest("username must be 1-150 letters, digits or _.@+-")
    api_key = api_key or new_api_key()
    salt = secrets.token_hex(8)
    user = User(username=username, role=Role(role).value, key_salt=salt,
                key_hash=_hash_key(salt, api_key), email=email)
    catalogue.create(User.kind, username, user.to_record())
    return user, api_key


def ensure_user(catalogue: Catalogue, username: str, api_key: str, role: Role) -> bool:
    """Create the user with this key unless it exists. Returns True when created."""
    try:
        create_user(catalogue, username, role, api_key=api_key)
    except Conflict:
        return False
    return True


def authenticate(catalogue: Catalogue, username: str, api_key: str) -> User | None:
    """The user if the key is right, else None (same work whether the user exists or not)."""
    record = catalogue.get(User.kind, username) if USERNAME_PATTERN.match(username or "") else None
    salt = record["key_salt"] if record else "no-such-user"
    expected = record["key_hash"] if record else _hash_key(salt, secrets.token_hex(20))
    if hmac.compare_digest(_hash_key(salt, api_key or ""), expected) and record:
        return User.from_record(record)
    return None
