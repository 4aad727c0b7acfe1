"""`pipeline/`: pipelines registering themselves."""

from __future__ import annotations

from flask_restful import Resource

from api import redis_store
from api.pagination import filters, matches, paginate
from api.representations import pipeline_json
from api.schemas import PipelineSchema, load
from sspkg import pipelines
from sspkg.exceptions import NotFound
from sspkg.models import Pipeline

PIPELINE_FILTERS = {"uuid", "description", "remote_name", "api_username", "enabled"}


class PipelineList(Resource):
    """List pipelines; register one (optionally linking the default locations)."""

    def get(self):
        wanted = filters(PIPELINE_FILTERS)
        found = [p for p in pipelines.list_pipelines(redis_store.catalogue())
                 if matches(p.to_record(), wanted)]
        return paginate(found, pipeline_json, ["uuid", "description", "created"])

    def post(self):
        body = load(PipelineSchema())
        pipeline = Pipeline(uuid=str(body["uuid"]), description=body["description"] or "",
                            remote_name=body["remote_name"] or "",
                            api_username=body["api_username"] or "", api_key=body["api_key"] or "")
        pipelines.create_pipeline(redis_store.catalogue(), pipeline,
                                  create_default_locations=body["create_default_locations"])
        return pipeline_json(pipeline), 201


class PipelineDetail(Resource):
    """One pipeline; 404 when unknown or disabled (how clients test registration)."""

    def get(self, pipeline_uuid: str):
        pipeline = pipelines.get_pipeline(redis_store.catalogue(), pipeline_uuid)
        if not pipeline.enabled:
            raise NotFound(f"pipeline {pipeline_uuid} is disabled")
        return pipeline_json(pipeline)
