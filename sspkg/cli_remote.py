"""`sspkg` commands that talk to the HTTP API (URL and key from options or environment)."""

from __future__ import annotations

import os
import time
import uuid as uuid_module
from pathlib import Path

import click

from sspkg.client import ApiError, Client

DEFAULT_URL = "http://localhost:8000"


def _default_key() -> str | None:
    key_file = Path(os.environ.get("SS_DATA_DIR", "./var")) / "admin-api-key"
    return key_file.read_text().strip() if key_file.exists() else None


def api_options(command):
    """--url (SS_URL) and --key (SS_API_KEY, else the local admin key) for a command."""
    command = click.option("--key", envvar="SS_API_KEY", default=_default_key, show_default="local admin key",
                           help="API key as user:key.")(command)
    return click.option("--url", envvar="SS_URL", default=DEFAULT_URL, show_default=True,
                        help="Base URL of the service.")(command)


def _client(url: str, key: str | None) -> Client:
    if not key:
        raise click.UsageError("no API key: pass --key user:key or set SS_API_KEY")
    return Client(url, key)


class ProgressView:
    """A live progress bar (bytes, rate, ETA) fed by job documents."""

    def __init__(self):
        self.bar = None
        self.shown = 0
        self.started = time.monotonic()

    def __call__(self, document: dict) -> None:
        progress = document.get("progress") or {}
        total, done = progress.get("bytes_total"), progress.get("bytes_done") or 0
        if not total:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=document["operation"], show_eta=True,
                                         show_pos=False, item_show_func=self._rate)
            self.bar.__enter__()
        self.bar.update(done - self.shown, current_item=done)
        self.shown = done

    def _rate(self, done) -> str:
        if done is None:
            return ""
        rate = done / max(time.monotonic() - self.started, 1e-6)
        return f"{done / 2**20:.0f} MiB at {rate / 2**20:.1f} MiB/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _finish(client: Client, document: dict, wait: bool) -> None:
    """Print the job; with --wait follow it and exit non-zero if it failed."""
    if not wait:
        click.echo(f"{document['id']} {document['status']}")
        return
    view = ProgressView()
    try:
        final = client.wait(document["id"], view)
    finally:
        view.close()
    if final["status"] != "finished":
        error = final.get("error") or {}
        raise click.ClickException(f"job {final['id']} {final['status']}: {error.get('message', '')}")
    click.echo(f"{final['id']} finished: {final.get('result')}")


def _call(function):
    try:
        return function()
    except ApiError as error:
        raise click.ClickException(error.message) from None


def register(main: click.Group) -> None:
    """Add the remote commands to the `sspkg` group."""

    @main.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["reader", "user", "admin"]), default="user", show_default=True)
    @click.option("--email", default="")
    @click.option("--local", is_flag=True, help="Write to the service's Redis directly (no API key needed).")
    @api_options
    def create_user(username, role, email, local, url, key):
        """Create a user and print its API key (shown only once)."""
        if local:
            from config import load_settings
            from sspkg import users
            from sspkg.catalogue import Catalogue
            from sspkg.connection import worker_connection
            from sspkg.constants import Role
            from sspkg.exceptions import SSError

            settings = load_settings()
            try:
                _, api_key = users.create_user(Catalogue(worker_connection(settings), settings.SS_REDIS_PREFIX),
                                               username, Role(role), email=email)
            except SSError as error:
                raise click.ClickException(error.message) from None
        else:
            body = _call(lambda: _client(url, key).post("/api/v3/users",
                                                        {"username": username, "role": role, "email": email}))
            api_key = body["api_key"]
        click.echo(f"{username}:{api_key}")

    @main.command("create-space")
    @click.argument("path")
    @click.option("--queue", default=None, help="Queue prefix for workers on hosts that mount it.")
    @api_options
    def create_space(path, queue, url, key):
        """Create a local-filesystem space at PATH (absolute, on the service's hosts)."""
        body = _call(lambda: _client(url, key).post("/api/v2/space/", {"path": path, "queue": queue}))
        click.echo(body["uuid"])

    @main.command("create-location")
    @click.option("--space", required=True, help="Space uuid.")
    @click.option("--purpose", required=True, help="AS, CP, DS, TS, BL, RP, ...")
    @click.option("--path", "relative_path", required=True, help="Path inside the space.")
    @click.option("--description", default="")
    @click.option("--default", is_flag=True, help="Make it the default of its purpose.")
    @api_options
    def create_location(space, purpose, relative_path, description, default, url, key):
        """Create a location in a space."""
        body = _call(lambda: _client(url, key).post("/api/v2/location/", {
            "space": space, "purpose": purpose, "relative_path": relative_path,
            "description": description, "default": default}))
        click.echo(body["uuid"])

    @main.command()
    @click.argument("path")
    @click.option("--location", required=True, help="Uuid of the CP or TS location PATH is in.")
    @click.option("--to", "destination", default="/api/v2/location/default/AS/", show_default=True,
                  help="Destination location uuid or URI.")
    @click.option("--type", "package_type", default="AIP", show_default=True)
    @click.option("--uuid", "package_uuid", default=None, help="Package uuid (default: a new one).")
    @click.option("--move", is_flag=True, help="Move instead of copy (the origin is consumed).")
    @click.option("--wait", is_flag=True, help="Follow the job with a progress bar.")
    @api_options
    def store(path, location, destination, package_type, package_uuid, move, wait, url, key):
        """Store the package at PATH (relative to --location)."""
        client = _client(url, key)
        body = {"uuid": package_uuid or str(uuid_module.uuid4()), "package_type": package_type,
                "origin_location": location, "origin_path": path, "current_location": destination,
                "current_path": os.path.basename(path.rstrip("/")), "keep_origin": not move}
        document = _call(lambda: client.post("/api/v3/packages", body))
        if "id" not in document:  # already stored, its job long gone
            click.echo(f"{body['uuid']} already stored")
            return
        _finish(client, document, wait)

    @main.command()
    @click.argument("package_uuid")
    @click.option("--wait", is_flag=True, help="Follow the job with a progress bar.")
    @api_options
    def fixity(package_uuid, wait, url, key):
        """Check a package's fixity."""
        client = _client(url, key)
        document = _call(lambda: client.post(f"/api/v3/packages/{package_uuid}/fixity"))
        _finish(client, document, wait)
        if wait:
            report = client.get(f"/api/v3/jobs/{document['id']}")["result"]
            if report and report.get("success") is False:
                raise click.ClickException(report["message"])

    @main.command()
    @click.option("--status", default=None)
    @click.option("--operation", default=None)
    @click.option("--package", default=None)
    @click.option("--limit", default=20, show_default=True)
    @api_options
    def jobs(status, operation, package, limit, url, key):
        """List jobs, newest first."""
        body = _call(lambda: _client(url, key).get("/api/v3/jobs", status=status, operation=operation,
                                                   package=package, limit=limit))
        for job in body["objects"]:
            error = (job.get("error") or {}).get("message", "")
            click.echo(f"{job['id']}\t{job['operation']}\t{job['status']}\t{job['package'] or ''}\t{error}")

    @main.command()
    @click.argument("job_id", required=False)
    @click.option("--failed", is_flag=True, help="Requeue every failed job.")
    @api_options
    def requeue(job_id, failed, url, key):
        """Run a failed job again (or all of them with --failed)."""
        client = _client(url, key)
        if failed == bool(job_id):
            raise click.UsageError("give a JOB id or --failed")
        if failed:
            body = _call(lambda: client.post("/api/v3/jobs/requeue-failed"))
            click.echo(f"requeued {len(body['requeued'])}, refused {len(body['refused'])}")
            for refused, why in body["refused"].items():
                click.echo(f"  {refused}: {why}")
        else:
            click.echo(_call(lambda: client.post(f"/api/v3/jobs/{job_id}/requeue"))["status"])

    @main.command()
    @api_options
    def status(url, key):
        """Queues, job states, workers and counters."""
        body = _call(lambda: _client(url, key).get("/api/v3/status"))
        click.echo(f"workers alive: {body['workers']}")
        for queue, states in sorted(body["queues"].items()):
            click.echo(f"  {queue}: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()) if v))
        for name, value in sorted(body["counters"].items()):
            click.echo(f"  {name}: {value}")
