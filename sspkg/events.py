"""Deletion and recovery requests: an event per request, reviewed by an admin.

A request moves the package UPLOADED -> DEL_REQ (or RECOVER_REQ); a rejection
moves it back; an approval hands it to a deletion (or recovery) job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sspkg import packages
from sspkg.catalogue import Catalogue
from sspkg.constants import PackageStatus, PackageType
from sspkg.exceptions import BadRequest, MethodNotAllowed, NotFound, StatusConflict
from sspkg.models import Record, utcnow


class EventType(str, Enum):
    """What is requested."""

    DELETE = "DELETE"
    RECOVER = "RECOVER"


class EventStatus(str, Enum):
    """Where a request stands."""

    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


ALLOWED_TYPES = {
    EventType.DELETE: frozenset({PackageType.AIP.value, PackageType.AIC.value, PackageType.TRANSFER.value}),
    EventType.RECOVER: frozenset({PackageType.AIP.value, PackageType.AIC.value}),
}
REQUESTED_STATUS = {EventType.DELETE: PackageStatus.DEL_REQ, EventType.RECOVER: PackageStatus.RECOVER_REQ}


@dataclass
class Event(Record):
    """A deletion or recovery request."""

    kind = "event"
    id: int
    event_type: str
    package: str
    event_reason: str
    pipeline: str
    user_id: str
    user_email: str
    status: str = EventStatus.SUBMITTED.value
    status_reason: str = ""
    admin: str | None = None
    created: str = field(default_factory=utcnow)
    status_time: str | None = None


def _events_key(catalogue: Catalogue, package_uuid: str) -> str:
    return f"{catalogue.prefix}:package_events:{package_uuid}"


def list_events(catalogue: Catalogue, package_uuid: str) -> list[Event]:
    """Every request made for a package, oldest first."""
    ids = catalogue.connection.lrange(_events_key(catalogue, package_uuid), 0, -1)
    return [Event.from_record(catalogue.require(Event.kind, i.decode())) for i in ids]


def _open_event(catalogue: Catalogue, package_uuid: str, event_type: EventType) -> Event | None:
    for event in list_events(catalogue, package_uuid):
        if event.event_type == event_type.value and event.status == EventStatus.SUBMITTED.value:
            return event
    return None


def request(catalogue: Catalogue, package_uuid: str, event_type: EventType, reason: str,
            pipeline: str, user_id: str, user_email: str) -> tuple[Event, bool]:
    """File a request; (the event, True) or, if one is already open, (it, False)."""
    package = packages.get_package(catalogue, package_uuid)
    if package.package_type not in ALLOWED_TYPES[event_type]:
        raise MethodNotAllowed(f"a {package.package_type} package cannot be "
                               f"{'deleted' if event_type == EventType.DELETE else 'recovered'}")
    existing = _open_event(catalogue, package_uuid, event_type)
    if existing:
        return existing, False
    try:
        packages.set_status(catalogue, package_uuid, REQUESTED_STATUS[event_type],
                            expect=[PackageStatus.UPLOADED])
    except StatusConflict as conflict:
        existing = _open_event(catalogue, package_uuid, event_type)
        if existing:
            return existing, False
        raise BadRequest(f"package {package_uuid} is {conflict.details['current']}; "
                         "requests are only taken for UPLOADED packages") from None
    event_id = int(catalogue.connection.incr(f"{catalogue.prefix}:event:seq"))
    event = Event(id=event_id, event_type=event_type.value, package=package_uuid,
                  event_reason=reason, pipeline=pipeline, user_id=str(user_id), user_email=user_email)
    catalogue.create(Event.kind, str(event_id), event.to_record())
    catalogue.connection.rpush(_events_key(catalogue, package_uuid), event_id)
    return event, True


def review(catalogue: Catalogue, package_uuid: str, event_id: int, approve: bool, reason: str,
           admin: str, event_type: EventType) -> Event:
    """Approve or reject an open request. Approval leaves the package for its job."""
    record = catalogue.get(Event.kind, str(event_id))
    if record is None or record["package"] != package_uuid or record["event_type"] != event_type.value:
        raise NotFound(f"no {event_type.value.lower()} request {event_id} for package {package_uuid}")
    status = EventStatus.APPROVED if approve else EventStatus.REJECTED
    changes = {"status": status.value, "status_reason": reason, "admin": admin, "status_time": utcnow()}
    try:
        record = catalogue.update(Event.kind, str(event_id), changes, expect=[EventStatus.SUBMITTED])
    except StatusConflict:
        raise BadRequest(f"request {event_id} was already {record['status'].lower()}") from None
    if not approve:
        packages.set_status(catalogue, package_uuid, PackageStatus.UPLOADED,
                            expect=[REQUESTED_STATUS[event_type]])
    return Event.from_record(record)
