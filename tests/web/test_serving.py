"""``duban serve``: several servers on one host, each with its own gunicorn control socket.

gunicorn's default control socket is one path per user (``~/.gunicorn/gunicorn.ctl``):
a second server on the host took over the first one's.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

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


def _answers(port: int) -> bool:
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                return response.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def test_two_servers_on_one_host_keep_their_own_control_sockets(tmp_path):
    duban = shutil.which("duban", path=os.path.dirname(sys.executable))
    assert duban, "the duban console script is not installed"
    home = str(tmp_path / "home")  # the user both servers run as
    os.makedirs(home)
    ports = [_free_port(), _free_port()]
    instances = [str(tmp_path / "one"), str(tmp_path / "two")]
    processes = [_serve(duban, instance, port, home) for instance, port in zip(instances, ports)]
    try:
        assert all(_answers(port) for port in ports)
        for instance, port in zip(instances, ports):
            assert os.path.exists(os.path.join(instance, f"gunicorn-127.0.0.1-{port}.ctl")), os.listdir(instance)
        assert not os.path.exists(os.path.join(home, ".gunicorn", "gunicorn.ctl"))
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
