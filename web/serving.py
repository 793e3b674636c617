"""Serving Duban with gunicorn from the ``duban`` command."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

# A Unix socket's path must fit in sun_path (108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100


class DubanServer(BaseApplication):
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


def control_socket(instance_path: str, host: str, port: int) -> dict[str, Any]:
    """gunicorn's control socket for one server: in its instance folder, named by its address.

    gunicorn's default is one path per user (``~/.gunicorn/gunicorn.ctl``), so a second
    server on the host would take over the first one's socket. Where the instance folder's
    path is too long for a socket, the control socket is left off (Duban does not use it).
    """
    name = "gunicorn-" + re.sub(r"[^0-9A-Za-z.-]", "_", f"{host}-{port}") + ".ctl"
    path = os.path.join(instance_path, name)
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        return {"control_socket_disable": True}
    return {"control_socket": path}


def server_options(instance_path: str, host: str, port: int, workers: int = 2, threads: int = 4) -> dict[str, Any]:
    """The gunicorn settings ``duban serve`` and ``duban demo`` run with."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 60,
        **control_socket(instance_path, host, port),
    }


def serve(config: Mapping[str, Any] | None, host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    """Serve until interrupted."""
    from web.app import _instance_path

    DubanServer(config, server_options(_instance_path(config), host, port, workers, threads)).run()
