"""Jobs on stored packages: move, delete, replicate, recover."""

from __future__ import annotations

from jobs.context import JobContext, run_job
from sspkg import deletion, moving, replication


def _summary(package) -> dict:
    return {"package": package.uuid, "status": package.status,
            "current_location": package.current_location, "current_path": package.current_path}

def _note_failure(package_uuid: str):
    def note(context: JobContext, reason: str) -> None:
        context.catalogue.update("package", package_uuid, {"error": reason})
    return note

def move_package(package_uuid: str) -> dict:
    """Move a MOVING package to its target location; on final failure it stays where it was."""
    return run_job(
        lambda c: _summary(moving.move_package(c.catalogue, package_uuid, c.report,
                                               c.settings.SS_HASH_PROCESSES)),
        lambda c, reason: moving.abandon_move(c.catalogue, package_uuid, reason))

def delete_package(package_uuid: str) -> dict:
    """Delete a package whose deletion was approved, with its replicas."""
    return run_job(lambda c: _summary(deletion.delete_package(c.catalogue, package_uuid)),
                   _note_failure(package_uuid))

def replicate_package(package_uuid: str, location_uuid: str) -> dict:
    """Make the verified replica of a package in a replicator location."""
    return run_job(
        lambda c: _summary(replication.replicate(c.catalogue, package_uuid, location_uuid, c.report)),
        _note_failure(package_uuid))

def recover_package(package_uuid: str) -> dict:
    """Restore a package from a replica after an approved recovery request."""
    return run_job(lambda c: _summary(replication.recover(c.catalogue, package_uuid, c.report)),
                   _note_failure(package_uuid))
