"""Callbacks: signed HTTP POSTs of a finished job's document to a client's URL.

Each delivery carries ``X-Event-Id`` (stable for a job's end, so receivers can
drop repeats: delivery is at least once) and ``X-Signature: sha256=<hex>``, an
HMAC-SHA256 of the exact body under the service's callback secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from urllib.parse import urlsplit

import redis
import requests

from config import Settings
from sspkg.exceptions import BadRequest

EVENT_NAMESPACE = uuid.UUID("0c4f7f2e-7a55-4d7e-9c55-2f3b8e1d6a90")


class CallbackRefused(Exception):
    """The receiver answered other than 2xx (worth retrying)."""


def secret(settings: Settings, connection: redis.Redis, prefix: str) -> bytes:
    """The signing key: SS_CALLBACK_SECRET, else a random one created once in Redis."""
    if settings.SS_CALLBACK_SECRET:
        return settings.SS_CALLBACK_SECRET.encode()
    key = f"{prefix}:callback_secret"
    connection.set(key, secrets.token_hex(32), nx=True)
    return connection.get(key)


def sign(key: bytes, body: bytes) -> str:
    """The X-Signature value of a body."""
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def event_id(job_id: str, status: str) -> str:
    """Stable id of the event "job ended with status"."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{job_id}:{status}"))


def _allowed_hosts(settings: Settings) -> set[str]:
    return {h.strip().lower() for h in str(settings.SS_CALLBACK_ALLOWED_HOSTS).split(",") if h.strip()}


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


def check_url(settings: Settings, url: str | None) -> str | None:
    """A callback URL the service may call, or None; 400 for any other.

    With SS_CALLBACK_ALLOWED_HOSTS set, only those hosts. Without it, any host
    but internal addresses: an IP literal is checked here, a name when the
    worker resolves it (no DNS lookup in a web request).
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise BadRequest("callback_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise BadRequest("callback_url must be an http(s) URL")
    allowed = _allowed_hosts(settings)
    if allowed:
        if host.lower() not in allowed:
            raise BadRequest(f"callback_url host {host} is not allowed (SS_CALLBACK_ALLOWED_HOSTS)")
        return url
    try:
        internal = _internal(host)
    except ValueError:
        return url
    if internal:
        raise BadRequest("callback_url may not point at an internal address")
    return url


class CallbackForbidden(Exception):
    """The callback host resolves to an internal address (not retried)."""


def check_destination(settings: Settings, url: str) -> None:
    """At delivery: refuse a host that resolves to an internal address, unless allowed."""
    host = urlsplit(url).hostname or ""
    if host.lower() in _allowed_hosts(settings):
        return
    for *_, sockaddr in socket.getaddrinfo(host, None):
        if _internal(sockaddr[0]):
            raise CallbackForbidden(f"callback host {host} resolves to internal address {sockaddr[0]}")


def deliver(url: str, document: dict, key: bytes, event: str, timeout: float) -> int:
    """POST the document; its status code. Raises CallbackRefused unless 2xx."""
    body = json.dumps(document, sort_keys=True).encode()
    response = requests.post(url, data=body, timeout=timeout, allow_redirects=False, headers={
        "Content-Type": "application/json", "X-Event-Id": event, "X-Signature": sign(key, body),
        "User-Agent": "sspkg-callback/1"})
    if not 200 <= response.status_code < 300:
        raise CallbackRefused(f"{url} answered {response.status_code}")
    return response.status_code
