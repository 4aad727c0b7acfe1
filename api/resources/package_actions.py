"""Operations on stored packages: move, deletion and recovery requests, their review."""

from __future__ import annotations

from flask_restful import Resource

from api import redis_store
from api.auth import require_admin
from api.job_documents import accepted
from api.schemas import MoveSchema, PackageRequestSchema, ReviewSchema, load
from api.uris import async_uri, parse_ref
from sspkg import events, moving, packages, pipelines, queues
from sspkg.exceptions import BadRequest, NotFound


def _enqueue(operation: str, args: list, job_id: str, package=None):
    package = package or packages.get_package(redis_store.catalogue(), args[0])
    location = package.misc_attributes.get("move", {}).get("to") or package.current_location
    return queues.enqueue(redis_store.connection(), redis_store.settings(), operation, args, job_id,
                          size=package.size, package=args[0], is_async=redis_store.queue_async(),
                          location=location)


class Move(Resource):
    """Move an UPLOADED package to another location of the same purpose (202)."""

    def post(self, package_uuid: str):
        body = load(MoveSchema())
        package = moving.request_move(redis_store.catalogue(), package_uuid, str(body["location_uuid"]))
        return accepted(_enqueue("move", [package_uuid], package.misc_attributes["move"]["job"], package))


def _event_json(event: events.Event) -> dict:
    return {"id": event.id, "event_type": event.event_type, "status": event.status,
            "event_reason": event.event_reason, "pipeline": event.pipeline, "user_id": event.user_id,
            "user_email": event.user_email, "status_reason": event.status_reason,
            "admin": event.admin, "created": event.created, "status_time": event.status_time}


class _PackageRequest(Resource):
    event_type: events.EventType
    created_message: str
    existing_message: str

    def post(self, package_uuid: str):
        body = load(PackageRequestSchema())
        catalogue = redis_store.catalogue()
        pipeline_uuid = parse_ref(body["pipeline"], "pipeline", "pipeline")
        try:
            pipelines.get_pipeline(catalogue, pipeline_uuid, "pipeline")
        except NotFound as error:
            raise BadRequest(error.message) from None
        event, created = events.request(catalogue, package_uuid, self.event_type, body["event_reason"],
                                        pipeline_uuid, body["user_id"], body["user_email"])
        if created:
            return {"message": self.created_message, "id": event.id}, 202
        return {"message": self.existing_message, "id": event.id}, 200


class DeleteRequest(_PackageRequest):
    """`delete_aip/`: ask for a package to be deleted."""

    event_type = events.EventType.DELETE
    created_message = "Delete request created successfully."
    existing_message = "A deletion request already exists for this AIP."


class RecoverRequest(_PackageRequest):
    """`recover_aip/`: ask for a package to be restored from its replica."""

    event_type = events.EventType.RECOVER
    created_message = "Recover request created successfully."
    existing_message = "A recovery request already exists for this AIP."


class _Review(Resource):
    event_type: events.EventType
    operation: str

    def post(self, package_uuid: str):
        admin = require_admin()
        body = load(ReviewSchema())
        approve = body["decision"] == "approve"
        event = events.review(redis_store.catalogue(), package_uuid, body["event_id"], approve,
                              body["reason"], admin.username, self.event_type)
        if not approve:
            return {"message": "Request rejected; the package is UPLOADED again.",
                    "event": _event_json(event)}
        job = _enqueue(self.operation, [package_uuid], f"{self.operation}-{package_uuid}-{event.id}")
        return ({"message": f"Request approved; {self.operation} queued.", "event": _event_json(event),
                 "job": async_uri(job.id)}, 202, {"Location": async_uri(job.id)})


class ReviewDeletion(_Review):
    """`review_aip_deletion/`: approve (delete) or reject a deletion request."""

    event_type = events.EventType.DELETE
    operation = "delete"


class ReviewRecovery(_Review):
    """`review_aip_recovery/`: approve (restore from a replica) or reject a recovery request."""

    event_type = events.EventType.RECOVER
    operation = "recover"


class PackageEvents(Resource):
    """Every deletion and recovery request of a package."""

    def get(self, package_uuid: str):
        catalogue = redis_store.catalogue()
        packages.get_package(catalogue, package_uuid)
        return {"objects": [_event_json(e) for e in events.list_events(catalogue, package_uuid)]}
