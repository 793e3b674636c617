"""Serving Duban with gunicorn from the ``duban`` command."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication


class DubanServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running ``create_app(config)`` in each worker."""

    def __init__(self, config: Mapping[str, Any] | None, options: Mapping[str, Any]) -> None:
        self.duban_config = dict(config or {})
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        from web.app import create_app

        return create_app(self.duban_config)


def serve(config: Mapping[str, Any] | None, host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    """Serve until interrupted."""
    DubanServer(config, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 60,
    }).run()
