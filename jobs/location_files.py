"""Job copying files into a location from another (SS location file moves)."""

from __future__ import annotations

from jobs.context import JobContext, run_job
from sspkg import location_files


def move_files(destination_uuid: str, origin_uuid: str, files: list[dict]) -> dict:
    """Copy `files` ({source, destination}) from the origin location into the destination."""
    def work(context: JobContext) -> dict:
        written = location_files.copy_files(context.catalogue, destination_uuid, origin_uuid, files,
                                            context.report)
        return {"error": None, "message": "Files moved successfully", "written": written}

    return run_job(work, lambda context, reason: None)
