"""What bench/load.py and bench/faults.py share: a PostgreSQL instance with the demo
province, gunicorn serving it (with a Redis and a job consumer of its own where asked),
HTTP clients that keep their cookies, and latency figures."""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DEFAULT_SERVER = os.environ.get("DUBAN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Instance:
    """A scratch database with the demo province, and tokens for two demo accounts."""

    url: str
    folder: str
    tokens: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DUBAN_DATABASE_URL": self.url, "DUBAN_INSTANCE": self.folder,
                "DUBAN_SESSION_COOKIE_SECURE": "false", "DUBAN_REMEMBER_COOKIE_SECURE": "false",
                "DUBAN_API_RATE_LIMIT": "1000000 per minute", "DUBAN_PUBLIC_RATE_LIMIT": "1000000 per minute",
                "DUBAN_LOGIN_RATE_LIMIT": "1000000 per minute", "DUBAN_SECRET_KEY": "bench-secret",
                "DUBAN_MAIL_SERVER": ""}


@contextmanager
def instance(server_url: str | None = DEFAULT_SERVER) -> Iterator[Instance]:
    """Create a scratch database on ``server_url`` (a SQLite file with None), load the demo, drop it afterwards."""
    from core.db import scratch_database

    with scratch_database(server_url, "duban_bench") as url:
        inst = Instance(url, tempfile.mkdtemp(prefix="duban-bench-"))
        duban = os.path.join(ROOT, ".venv", "bin", "duban")
        subprocess.run([duban, "demo", "--no-serve"], env=inst.env(), check=True, capture_output=True)
        for username in ("admin", "duchashi"):
            out = subprocess.run([duban, "token", "create", username, "--name", "bench"], env=inst.env(),
                                 check=True, capture_output=True, text=True).stdout
            inst.tokens[username] = out.strip().splitlines()[-1]
        yield inst


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis of the bench's own on a free loopback port, nothing kept on disk; yields its URL."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not answer") from None
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        _stop(process)


@contextmanager
def consumer(inst: Instance, settings: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """``duban jobs run`` for the instance (give it the servers' ``JOBS_URL`` in ``settings``);
    its log is ``consumer.log`` in the instance folder."""
    with open(os.path.join(inst.folder, "consumer.log"), "wb") as log:
        process = subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "duban"), "jobs", "run", "--workers", "1"],
                                   env={**inst.env(), **(settings or {})}, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def gunicorn(inst: Instance, workers: int = 4, threads: int = 8,
             settings: dict[str, str] | None = None) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """gunicorn serving the instance on a free loopback port, ``settings`` added to its
    environment; yields (port, process)."""
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
         "--graceful-timeout", "5", "--log-level", "warning", "--no-control-socket", "web.app:create_app()"],
        env={**inst.env(), **(settings or {})}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("gunicorn did not answer")
        yield port, process
    finally:
        _stop(process)


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of ``master`` (from /proc)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == master:
                        children.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return children


class Client:
    """One keep-alive HTTP connection with a cookie jar; reconnects after errors."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                for value in response.headers.get_all("Set-Cookie") or ():
                    cookie = SimpleCookie(value)
                    self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
                if response.headers.get("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt or method != "GET":
                    raise
        raise RuntimeError("unreachable")

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        status, page = self.request("GET", path)
        if status != 200:
            return status, page
        match = CSRF.search(page.decode("utf-8", "replace"))  # the survey answer page has none
        body = urlencode({**fields, **({"csrf_token": match.group(1)} if match else {})}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username: str, password: str) -> bool:
        status, _ = self.form("/login", {"username": username, "password": password})
        return status == 302

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Stats:
    """Latencies and outcomes per endpoint, thread-safe.

    Server errors are 5xx answers (counted by status) and requests that got no answer at all
    (a connection refused or cut, a worker killed mid-request, the client's timeout).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.server_errors: dict[str, int] = defaultdict(int)
        self.unanswered: dict[str, int] = defaultdict(int)
        self.other_errors: dict[str, int] = defaultdict(int)
        self.statuses: Counter[int] = Counter()

    def record(self, name: str, seconds: float, status: int | None) -> None:
        with self.lock:
            self.latency[name].append(seconds)
            if status is None:
                self.unanswered[name] += 1
            elif status >= 500:
                self.server_errors[name] += 1
                self.statuses[status] += 1
            elif status >= 400:
                self.other_errors[name] += 1

    def print(self, elapsed: float) -> None:
        total = sum(len(v) for v in self.latency.values())
        print(f"duration {elapsed:.1f} s, {total} requests, throughput {total / elapsed:.1f} requests/s")
        print(f"{'endpoint':<28}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'5xx':>6}{'no answer':>11}{'4xx':>6}")
        for name in sorted(self.latency):
            values = sorted(self.latency[name])
            p50 = statistics.median(values) * 1000
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
            print(f"{name:<28}{len(values):>8}{p50:>10.1f}{p99:>10.1f}"
                  f"{self.server_errors[name]:>6}{self.unanswered[name]:>11}{self.other_errors[name]:>6}")
        by_status = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        print(f"5xx answers: {sum(self.server_errors.values())}{f' ({by_status})' if by_status else ''}; "
              f"requests without an answer: {sum(self.unanswered.values())}")


def timed(stats: Stats, name: str, call: Any) -> tuple[int | None, bytes]:
    start = time.perf_counter()
    try:
        status, body = call()
    except (http.client.HTTPException, OSError):
        status, body = None, b""
    stats.record(name, time.perf_counter() - start, status)
    return status, body


def signal_body(ref: str, unit_code: str = "990102") -> bytes:
    return json.dumps({"signals": [{"source": "bench", "kind": "complaints", "ref": ref, "unit_code": unit_code,
                                    "value": 1, "observed_on": "2026-11-01"}]}).encode()
