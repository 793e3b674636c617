"""Serving Duban with gunicorn from the ``duban`` command."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

# A Unix socket's path must fit in sun_path (108 bytes on Linux, 104 on macOS).
MAX_SOCKET_PATH = 100


class PortInUse(OSError):
    """The address ``duban serve`` or ``duban demo`` was asked to listen on is taken."""


class JobConsumerProcess:
    """``duban jobs run`` as a child process of the server, started and stopped with it.

    The consumer runs beside gunicorn's workers, not inside its master: a job (a training,
    a large import) neither holds the master's lock on the listening socket nor is copied
    into each worker when it forks. The child is told the master's process id and stops on
    its own when the master goes, even when the master was killed without a word.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "web.cli", "jobs", "run", "--workers", str(self.workers),
                "--parent", str(os.getpid())]

    def start(self, _server: Any = None) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(self.command())

    def stop(self, _server: Any = None) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # huey's graceful stop: the running job finishes
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class DubanServer(BaseApplication):
    """gunicorn running ``create_app(config)`` in each worker (and, if given, a job consumer beside them)."""

    def __init__(self, config: Mapping[str, Any] | None, options: Mapping[str, Any],
                 consumer: JobConsumerProcess | None = None) -> None:
        self.duban_config = dict(config or {})
        self.options = dict(options)
        self.consumer = consumer
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)
        if self.consumer is not None:
            # Once the master listens (the address was free), and gone when it exits.
            self.cfg.set("when_ready", self.consumer.start)
            self.cfg.set("on_exit", self.consumer.stop)

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


def check_address(host: str, port: int) -> None:
    """Raise :class:`PortInUse` when nothing could listen on ``host:port`` now.

    gunicorn retries a taken address five times a second apart and then exits with its own
    English words; the person who started the server is better told at once, and which
    option changes the port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise PortInUse(error.errno, error.strerror) from error


def serve(config: Mapping[str, Any] | None, host: str, port: int, workers: int = 2, threads: int = 4,
          jobs: bool = False) -> None:
    """Serve until interrupted; with ``jobs``, a job consumer runs beside the workers."""
    from web.app import _instance_path

    check_address(host, port)
    options = server_options(_instance_path(config), host, port, workers, threads)
    DubanServer(config, options, JobConsumerProcess() if jobs else None).run()
