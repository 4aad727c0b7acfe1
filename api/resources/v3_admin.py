"""`/api/v3` administration: users, requeueing failed jobs, and the service's status."""

from __future__ import annotations

from flask_restful import Resource
from marshmallow import EXCLUDE, Schema, fields, validate

from api import redis_store
from api.auth import require_admin
from api.job_documents import job_document
from api.resources.v3_jobs import find_job
from api.schemas import load
from sspkg import job_control, telemetry, users
from sspkg.constants import Role


class UserSchema(Schema):
    """`POST /api/v3/users`."""

    class Meta:
        unknown = EXCLUDE

    username = fields.String(required=True)
    role = fields.String(load_default=Role.USER.value, validate=validate.OneOf([r.value for r in Role]))
    email = fields.String(load_default="")


class Users(Resource):
    """Admins create users; the key is shown once."""

    def post(self):
        require_admin()
        body = load(UserSchema())
        user, api_key = users.create_user(redis_store.catalogue(), body["username"], Role(body["role"]),
                                          email=body["email"])
        return {"username": user.username, "role": user.role, "api_key": api_key}, 201


class JobRequeue(Resource):
    """Run a failed (or stopped, canceled) job again."""

    def post(self, job_id: str):
        require_admin()
        job = job_control.requeue(redis_store.connection(), redis_store.catalogue(), find_job(job_id))
        return job_document(job), 202


class FailedRequeue(Resource):
    """Run every failed job again (those that can be)."""

    def post(self):
        require_admin()
        done, refused = job_control.requeue_failed(redis_store.connection(), redis_store.catalogue())
        return {"requeued": done, "refused": refused}, 202


class Status(Resource):
    """Queues, job states, workers and counters, as /metrics reports them."""

    def get(self):
        snap = telemetry.snapshot(redis_store.connection(), redis_store.settings().SS_REDIS_PREFIX)
        jobs: dict[str, dict[str, int]] = {}
        for (queue, state), count in snap.jobs.items():
            jobs.setdefault(queue, {})[state] = count
        return {"workers": snap.workers, "queues": jobs, "counters": snap.counters}
