"""``duban serve``."""
from __future__ import annotations

import click

from web.serving import serve as run_server


@click.command("serve", help="Serve the instance with gunicorn.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    run_server(None, host, port, workers=workers)


COMMANDS = [serve]
