"""Pipelines: registration of Archivematica instances and their default locations."""

from __future__ import annotations

from sspkg import locations
from sspkg.catalogue import Catalogue
from sspkg.models import Pipeline


def create_pipeline(catalogue: Catalogue, pipeline: Pipeline,
                    create_default_locations: bool = False) -> Pipeline:
    """Register a pipeline; optionally share the default location of each purpose with it."""
    catalogue.create(Pipeline.kind, pipeline.uuid, pipeline.to_record())
    if create_default_locations:
        for location in locations.list_locations(catalogue):
            if catalogue.default(location.purpose) == location.uuid:
                locations.add_pipeline(catalogue, location.uuid, pipeline.uuid)
    return pipeline


def get_pipeline(catalogue: Catalogue, pipeline_uuid: str, what: str = "pipeline") -> Pipeline:
    """The pipeline; NotFound naming `what` otherwise."""
    return Pipeline.from_record(catalogue.require(Pipeline.kind, pipeline_uuid, what))


def list_pipelines(catalogue: Catalogue) -> list[Pipeline]:
    """Every pipeline, oldest first."""
    return [Pipeline.from_record(r) for r in catalogue.all(Pipeline.kind)]
