"""``duban serve``: several servers on one host, each with its own gunicorn control socket; the
embedded default's background jobs run in the server's own process.

gunicorn's default control socket is one path per user (``~/.gunicorn/gunicorn.ctl``):
a second server on the host took over the first one's.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing

from tests.web.test_cli import _free_port
from web.serving import DubanServer, server_options


def test_each_server_gets_a_control_socket_of_its_own_in_its_instance_folder(tmp_path):
    first = DubanServer(None, server_options(str(tmp_path / "a"), "127.0.0.1", 8001))
    second = DubanServer(None, server_options(str(tmp_path / "a"), "127.0.0.1", 8002))
    assert first.cfg.control_socket == str(tmp_path / "a" / "gunicorn-127.0.0.1-8001.ctl")
    assert second.cfg.control_socket != first.cfg.control_socket
    too_deep = DubanServer(None, server_options(str(tmp_path / ("x" * 120)), "127.0.0.1", 8001))
    assert too_deep.cfg.control_socket_disable


def _serve(duban: str, instance: str, port: int, home: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DUBAN_INSTANCE": instance, "HOME": home}
    env.pop("DUBAN_DATABASE_URL", None)
    subprocess.run([duban, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    return subprocess.Popen([duban, "serve", "--port", str(port), "--workers", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _duban() -> str:
    duban = shutil.which("duban", path=os.path.dirname(sys.executable))
    assert duban, "the duban console script is not installed"
    return duban


def _one_server(tmp_path) -> tuple[str, str, str, subprocess.Popen[str]]:
    """``duban serve`` on an instance of its own: (the command, HOME, the instance folder, the server)."""
    duban, home, instance, port = _duban(), str(tmp_path / "home"), str(tmp_path / "instance"), _free_port()
    os.makedirs(home)
    server = _serve(duban, instance, port, home)
    if not _answers(port):
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        raise AssertionError("the server did not answer")
    return duban, home, instance, server


def _answers(port: int) -> bool:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                return response.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def test_two_servers_on_one_host_keep_their_own_control_sockets(tmp_path):
    duban = _duban()
    home = str(tmp_path / "home")  # the user both servers run as
    os.makedirs(home)
    ports = [_free_port(), _free_port()]
    instances = [str(tmp_path / "one"), str(tmp_path / "two")]
    processes = [_serve(duban, instance, port, home) for instance, port in zip(instances, ports, strict=True)]
    try:
        assert all(_answers(port) for port in ports)
        for instance, port in zip(instances, ports, strict=True):
            assert os.path.exists(os.path.join(instance, f"gunicorn-127.0.0.1-{port}.ctl")), os.listdir(instance)
        assert not os.path.exists(os.path.join(home, ".gunicorn", "gunicorn.ctl"))
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _state_of_the_last_run(instance: str) -> str | None:
    with closing(sqlite3.connect(os.path.join(instance, "duban.sqlite"))) as connection:
        row = connection.execute("SELECT state FROM job_runs ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None


def test_duban_serve_on_the_embedded_default_runs_the_jobs_queued_meanwhile(tmp_path):
    """A job queued while `duban serve` runs (a training from the model page, a large import) is run.

    `duban serve` used to start gunicorn alone: on the embedded default (jobs.sqlite, no
    `duban jobs run`) a queued job waited forever.
    """
    duban, home, instance, server = _one_server(tmp_path)
    try:
        env = {**os.environ, "DUBAN_INSTANCE": instance, "HOME": home}
        env.pop("DUBAN_DATABASE_URL", None)
        subprocess.run([duban, "jobs", "enqueue", "purge_idempotency_keys"], env=env, check=True,
                       capture_output=True, timeout=120)
        for _ in range(300):  # until the run is done, or a minute has passed
            if _state_of_the_last_run(instance) == "done":
                break
            time.sleep(0.2)
        assert _state_of_the_last_run(instance) == "done"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            found.append((int(entry), command))
    return found


def _gone(pid: int) -> bool:
    for _ in range(150):  # up to half a minute
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True  # exited, not yet reaped
        except FileNotFoundError:
            return True
        time.sleep(0.2)
    return False


def test_the_job_consumer_runs_beside_the_workers_and_stops_when_the_server_is_killed(tmp_path):
    """The consumer used to run on threads of gunicorn's master, started before the workers forked."""
    _duban_command, _home, _instance, server = _one_server(tmp_path)
    try:
        children = _children(server.pid)
        consumers = [pid for pid, command in children if "web.cli jobs run" in command]
        workers = [pid for pid, command in children if "web.cli jobs run" not in command]
        assert len(consumers) == 1, children
        assert workers, children  # gunicorn's worker, beside the consumer
        os.kill(server.pid, signal.SIGKILL)  # the master dies without a word to its children
        server.wait(timeout=30)
        assert _gone(consumers[0])
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
