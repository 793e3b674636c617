"""``duban serve``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.i18n import N_
from web.background import queue_is_local, run_jobs_in_this_process
from web.commands.output import say
from web.serving import serve as run_server


@click.command("serve", help="Serve the instance with gunicorn (and its background jobs, on the embedded default).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--jobs/--no-jobs", "run_jobs", default=None,
              help="Run queued and periodic jobs in this process. Default: when the job queue is the "
                   "instance's own jobs.sqlite; with a shared queue (Redis), run `duban jobs run` instead.")
@with_appcontext
def serve(host: str, port: int, workers: int, run_jobs: bool | None) -> None:
    if run_jobs if run_jobs is not None else queue_is_local():
        run_jobs_in_this_process()
        click.echo(say(N_("Background jobs run in this process.")))
    else:
        click.echo(say(N_("Background jobs are left to `duban jobs run`.")))
    run_server(None, host, port, workers=workers)


COMMANDS = [serve]
