"""Callbacks: signed HTTP POSTs of a finished job's document to a client's URL.

Each delivery carries ``X-Event-Id`` (stable for a job's end, so receivers can
drop repeats: delivery is at least once) and ``X-Signature: sha256=<hex>``, an
HMAC-SHA256 of the exact body under the service's callback secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
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


def check_url(settings: Settings, url: str | None) -> str | None:
    """A callback URL the service may call, or None; 400 for any other."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("callback_url must be an http(s) URL")
    allowed = {h.strip().lower() for h in str(settings.SS_CALLBACK_ALLOWED_HOSTS).split(",") if h.strip()}
    if allowed and parts.hostname.lower() not in allowed:
        raise BadRequest(f"callback_url host {parts.hostname} is not allowed (SS_CALLBACK_ALLOWED_HOSTS)")
    return url


def deliver(url: str, document: dict, key: bytes, event: str, timeout: float) -> int:
    """POST the document; its status code. Raises CallbackRefused unless 2xx."""
    body = json.dumps(document, sort_keys=True).encode()
    response = requests.post(url, data=body, timeout=timeout, allow_redirects=False, headers={
        "Content-Type": "application/json", "X-Event-Id": event, "X-Signature": sign(key, body),
        "User-Agent": "sspkg-callback/1"})
    if not 200 <= response.status_code < 300:
        raise CallbackRefused(f"{url} answered {response.status_code}")
    return response.status_code
