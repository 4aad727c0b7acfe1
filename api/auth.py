"""Authentication (`Authorization: ApiKey user:key`, or `?username=&api_key=`) and roles."""

from __future__ import annotations

import hashlib
import time

from flask import g, request

from api import redis_store
from sspkg import users
from sspkg.constants import Role
from sspkg.exceptions import Forbidden, Unauthorized
from sspkg.models import User

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def credentials() -> tuple[str, str] | None:
    """(username, api_key) from the Authorization header or the query string."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "apikey" and ":" in value:
        username, _, api_key = value.strip().partition(":")
        return username, api_key
    username = request.args.get("username")
    api_key = request.args.get("api_key")
    if username and api_key:
        return username, api_key
    return None


def authenticate_request() -> None:
    """before_request hook: set ``g.user`` or answer 401; writes need a writing role."""
    found = credentials()
    if found is None:
        raise Unauthorized("Authentication required: send 'Authorization: ApiKey <user>:<key>'")
    user = _cached_authenticate(*found)
    if user is None:
        raise Unauthorized("Invalid username or API key")
    g.user = user
    if request.method not in READ_METHODS and user.role == Role.READER.value:
        raise Forbidden(f"user {user.username} may only read")


_recent: dict[tuple[str, str], tuple[float, User]] = {}
RECENT_TTL = 2.0
"""Seconds a successful check of a key is reused by this process (saves a Redis read per request;
a changed key or role takes effect within this time)."""


def _cached_authenticate(username: str, api_key: str) -> User | None:
    key = (username, hashlib.sha256(api_key.encode("utf-8", "surrogateescape")).hexdigest())
    hit = _recent.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    user = users.authenticate(redis_store.catalogue(), username, api_key)
    if user is not None:
        if len(_recent) > 1000:
            _recent.clear()
        _recent[key] = (time.monotonic() + RECENT_TTL, user)
    return user


def require_admin() -> User:
    """The current user if admin; Forbidden otherwise."""
    user: User = g.user
    if user.role != Role.ADMIN.value:
        raise Forbidden("This operation needs an admin user")
    return user
