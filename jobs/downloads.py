"""Jobs for prepared downloads: packing one, and cleaning expired ones."""

from __future__ import annotations

from jobs.context import JobContext, run_job
from sspkg import download_cache


def prepare_download(package_uuid: str, token: str) -> dict:
    """Pack the package into the download cache; the result carries its URL."""
    def work(context: JobContext) -> dict:
        artefact = download_cache.prepare(context.catalogue, context.settings, package_uuid, token,
                                          context.report)
        return {"url": f"/api/v3/downloads/{token}", "name": artefact.name, "size": artefact.size,
                "expires_at": artefact.expires_at}

    return run_job(work, lambda context, reason: None)


def clean_downloads() -> dict:
    """Remove expired prepared downloads (run periodically by the cron process)."""
    return run_job(lambda context: {"removed": download_cache.clean(context.catalogue, context.settings)},
                   lambda context, reason: None)
