"""The `sspkg` command: run the service, run a worker, bootstrap, manage users."""

from __future__ import annotations

import sys

import click

from config import load_settings
from sspkg import cli_remote, logs
from sspkg.bootstrap import bootstrap as run_bootstrap
from sspkg.catalogue import Catalogue
from sspkg.connection import worker_connection


def _catalogue(settings) -> Catalogue:
    return Catalogue(worker_connection(settings), settings.SS_REDIS_PREFIX)


@click.group()
@click.option("--log-level", default="INFO", show_default=True, help="Logging level.")
@click.option("--log-format", type=click.Choice(["json", "text"]), envvar="SS_LOG_FORMAT", default="json",
              show_default=True, help="Log lines as JSON objects or plain text.")
def main(log_level: str, log_format: str) -> None:
    """sspkg: archival storage service with asynchronous processing."""
    logs.configure(log_level, log_format)


@main.command()
@click.option("--procfile", default="Procfile", show_default=True)
@click.option("-c", "--concurrency", default="", help="honcho concurrency, e.g. worker=4.")
def run(procfile: str, concurrency: str) -> None:
    """Run every process of the Procfile (and a private Redis if REDIS_URL is unset)."""
    from sspkg.launcher import run_service

    sys.exit(run_service(load_settings(), procfile, concurrency))


@main.command()
@click.option("--queues", default="", help="Comma-separated queues (default SS_QUEUES).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--no-keeper", is_flag=True, help="Run the RQ worker in this process, unkept.")
def worker(queues: str, burst: bool, no_keeper: bool) -> None:
    """Run an RQ worker, restarted whenever it dies."""
    from sspkg.worker import keep, run_worker

    if no_keeper or burst:
        names = [q for q in queues.split(",") if q] or None
        run_worker(load_settings(), names, burst=burst)
    else:
        sys.exit(keep("worker", *(["--queues", queues] if queues else [])))


@main.command()
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option("--no-keeper", is_flag=True, help="Run in this process, unkept.")
def supervise(once: bool, no_keeper: bool) -> None:
    """Recover lost work: registry cleanup, catalogue reconciliation, staging sweep."""
    from sspkg.supervisor import Supervisor
    from sspkg.worker import keep

    if not (once or no_keeper):
        sys.exit(keep("supervise"))
    settings = load_settings()
    supervisor = Supervisor(worker_connection(settings), settings)
    if once:
        if supervisor.acquire():
            supervisor.round()
    else:
        supervisor.run_forever()


@main.command()
@click.option("--no-keeper", is_flag=True, help="Run in this process, unkept.")
def cron(no_keeper: bool) -> None:
    """Run the periodic jobs (fixity audits, download cleaning) with RQ's cron."""
    from sspkg.cron import run_cron
    from sspkg.worker import keep

    if not no_keeper:
        sys.exit(keep("cron"))
    run_cron(load_settings())


@main.command()
def bootstrap() -> None:
    """Create the default space, locations and admin user if missing."""
    settings = load_settings()
    result = run_bootstrap(_catalogue(settings), settings)
    click.echo(f"admin user: {result.username}")


cli_remote.register(main)


if __name__ == "__main__":
    main()
