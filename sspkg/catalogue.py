"""The Redis-backed catalogue: JSON records by kind and id, with compare-and-set updates.

Layout under the prefix (default ``ss``):

- ``<prefix>:<kind>:<id>``: the record, a JSON object;
- ``<prefix>:<kind>:all``: sorted set of ids scored by creation time (list order);
- ``<prefix>:default:<purpose>``: uuid of the default location of a purpose.
"""

from __future__ import annotations

import json
import time
from typing import Callable, Iterable

import redis

from sspkg.exceptions import Conflict, NotFound, StatusConflict

_MGET_BATCH = 500


class Catalogue:
    """Records of spaces, locations, pipelines, packages and users kept in Redis."""

    def __init__(self, connection: redis.Redis, prefix: str = "ss"):
        self.connection = connection
        self.prefix = prefix

    def key(self, kind: str, record_id: str) -> str:
        """Redis key of one record."""
        return f"{self.prefix}:{kind}:{record_id}"

    def index_key(self, kind: str) -> str:
        """Redis key of the sorted set of a kind's ids."""
        return f"{self.prefix}:{kind}:all"

    def get(self, kind: str, record_id: str) -> dict | None:
        """The record, or None."""
        raw = self.connection.get(self.key(kind, record_id))
        return json.loads(raw) if raw else None

    def require(self, kind: str, record_id: str, what: str | None = None) -> dict:
        """The record; NotFound (its message starting with `what`, if given) if there is none."""
        record = self.get(kind, record_id)
        if record is None:
            prefix = f"{what}: no" if what else "No"
            raise NotFound(f"{prefix} {kind} with id {record_id}")
        return record

    def create(self, kind: str, record_id: str, record: dict,
               also: Callable[[redis.client.Pipeline, dict], None] | None = None) -> dict:
        """Write a new record; Conflict if one with this id exists.

        The existence check and the write are one atomic step (SET NX), so two
        concurrent creations of the same id cannot both succeed. Commands added
        by `also` run in the same transaction whether or not the record was new.
        """
        pipe = self.connection.pipeline(transaction=True)
        pipe.set(self.key(kind, record_id), json.dumps(record), nx=True)
        pipe.zadd(self.index_key(kind), {record_id: time.time()}, nx=True)
        if also is not None:
            also(pipe, record)
        created = pipe.execute()[0]
        if not created:
            raise Conflict(f"A {kind} with id {record_id} already exists")
        return record

    def update(self, kind: str, record_id: str, changes: dict | Callable[[dict], dict],
               expect: Iterable[str] | None = None, field: str = "status",
               also: Callable[[redis.client.Pipeline, dict], None] | None = None) -> dict:
        """Change a record atomically (WATCH/MULTI), optionally only from expected states.

        Args:
            kind: record kind.
            record_id: record id.
            changes: fields to set, or a function from the record to those fields.
            expect: values of ``field`` the record must have; StatusConflict otherwise.
            field: the field ``expect`` is about.
            also: adds more commands to the same transaction, given the new record.
        Returns:
            The record as written.
        """
        key = self.key(kind, record_id)
        expected = None if expect is None else {str(getattr(e, "value", e)) for e in expect}
        with self.connection.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise NotFound(f"No {kind} with id {record_id}")
                    record = json.loads(raw)
                    if expected is not None and record.get(field) not in expected:
                        raise StatusConflict(
                            f"{kind} {record_id} is {record.get(field)}, "
                            f"expected one of {sorted(expected)}",
                            current=record.get(field),
                        )
                    record.update(changes(record) if callable(changes) else changes)
                    pipe.multi()
                    pipe.set(key, json.dumps(record))
                    if also is not None:
                        also(pipe, record)
                    pipe.execute()
                    return record
                except redis.WatchError:
                    continue

    def delete(self, kind: str, record_id: str) -> None:
        """Remove a record and its index entry."""
        pipe = self.connection.pipeline(transaction=True)
        pipe.delete(self.key(kind, record_id))
        pipe.zrem(self.index_key(kind), record_id)
        pipe.execute()

    def ids(self, kind: str) -> list[str]:
        """Every id of a kind, oldest first."""
        return [i.decode() if isinstance(i, bytes) else i
                for i in self.connection.zrange(self.index_key(kind), 0, -1)]

    def all(self, kind: str) -> list[dict]:
        """Every record of a kind, oldest first."""
        ids = self.ids(kind)
        records = []
        for start in range(0, len(ids), _MGET_BATCH):
            batch = ids[start:start + _MGET_BATCH]
            raws = self.connection.mget([self.key(kind, i) for i in batch])
            records.extend(json.loads(raw) for raw in raws if raw)
        return records

    def set_default(self, purpose: str, location_uuid: str) -> None:
        """Make a location the default of its purpose."""
        self.connection.set(f"{self.prefix}:default:{purpose}", location_uuid)

    def default(self, purpose: str) -> str | None:
        """Uuid of the default location of a purpose, or None."""
        raw = self.connection.get(f"{self.prefix}:default:{purpose}")
        return raw.decode() if isinstance(raw, bytes) else raw
