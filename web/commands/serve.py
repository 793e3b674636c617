"""``duban serve``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.i18n import N_, Message
from web.background import queue_is_local
from web.commands.output import fail, say
from web.serving import PortInUse
from web.serving import serve as run_server


@click.command("serve", help=N_("Serve the instance with gunicorn (and its background jobs, on the embedded default)."))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--jobs/--no-jobs", "run_jobs", default=None,
              help=N_("Run queued and periodic jobs in a process beside the server. Default: when the job queue is the "
                   "instance's own jobs.sqlite; with a shared queue (Redis), run `duban jobs run` instead."))
@with_appcontext
def serve(host: str, port: int, workers: int, run_jobs: bool | None) -> None:
    jobs = run_jobs if run_jobs is not None else queue_is_local()
    if jobs:
        click.echo(say(N_("Background jobs run in a process of their own beside the server.")))
    else:
        click.echo(say(N_("Background jobs are left to `duban jobs run`.")))
    try:
        run_server(None, host, port, workers=workers, jobs=jobs)
    except PortInUse:
        fail(address_taken(host, port, "serve"))


def address_taken(host: str, port: int, command: str) -> Message:
    """What to tell someone whose server could not listen on ``host:port``."""
    return Message(N_("%(host)s:%(port)s is already in use (another server, or an earlier `duban %(command)s` "
                      "still running?). Stop it, or choose another port: duban %(command)s --port %(other)s"),
                   {"host": host, "port": port, "command": command, "other": port + 1})


COMMANDS = [serve]
