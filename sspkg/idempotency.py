"""Idempotent submission: an `Idempotency-Key` names one job for one request body.

The first request with a key records the hash of its body and a job id derived
from the key; a repeat with the same body gets that job id again (RQ's
``unique=True`` then returns the existing job, so concurrent repeats make one
job); a repeat with another body is refused.
"""

from __future__ import annotations

import hashlib
import json

import redis

from sspkg.exceptions import BadRequest, SSError

MAX_KEY_LENGTH = 255


class IdempotencyMismatch(SSError):
    """The key was used before with a different request."""

    status_code = 422


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def claim(connection: redis.Redis, prefix: str, user: str, key: str, fingerprint: str,
          job_id_prefix: str, ttl: int) -> str:
    """The job id this key stands for; IdempotencyMismatch if the key was used otherwise.

    Args:
        fingerprint: what makes two requests "the same" (method, path, canonical body).
        job_id_prefix: operation and subject, e.g. ``fixity-<uuid>``.
    """
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} printable characters")
    record_key = f"{prefix}:idem:{_digest(user, key)}"
    record = {"fingerprint": _digest(fingerprint), "job_id": f"{job_id_prefix}-k{_digest(user, key)[:20]}"}
    if connection.set(record_key, json.dumps(record), nx=True, ex=ttl):
        return record["job_id"]
    existing = json.loads(connection.get(record_key) or "{}")
    if existing.get("fingerprint") != record["fingerprint"]:
        raise IdempotencyMismatch("Idempotency-Key was already used with a different request")
    return existing["job_id"]


def fingerprint(method: str, path: str, body: dict) -> str:
    """A canonical form of a request for comparing repeats."""
    return f"{method} {path} {json.dumps(body, sort_keys=True, default=str)}"
