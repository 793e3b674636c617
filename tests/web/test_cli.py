"""The command line: accounts, and the demo served for real."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import select

from core.access.models import Role, User


def test_user_create_reads_the_password_from_stdin(runner, db_session, org):
    result = runner.invoke(args=["user", "create", "liu", "--role", "unit_officer", "--unit", "A1",
                                 "--password-stdin"], input="a-very-good-password\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.username == "liu"))
    assert user.role == Role.unit_officer and user.unit.code == "A1"
    assert user.password_hash.startswith("$argon2id$")


def test_user_create_refuses_a_weak_password_and_an_unknown_unit(runner, org):
    weak = runner.invoke(args=["user", "create", "liu", "--role", "admin", "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "密码至少" in weak.output
    unknown = runner.invoke(args=["user", "create", "liu", "--role", "supervisor", "--unit", "NOPE",
                                  "--password-stdin"], input="a-very-good-password\n")
    assert unknown.exit_code == 1 and "NOPE" in unknown.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_duban_demo_creates_the_province_and_serves_it(tmp_path):
    duban = shutil.which("duban", path=os.path.dirname(sys.executable))
    assert duban, "the duban console script is not installed"
    port = _free_port()
    env = {**os.environ, "DUBAN_INSTANCE": str(tmp_path / "instance")}
    env.pop("DUBAN_DATABASE_URL", None)
    process = subprocess.Popen([duban, "demo", "--port", str(port)], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Booting worker" in line or "Listening at" in line:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in output, output
        assert re.search(r"duchashi\s+demo-duchashi-2026", output)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "登录" in body
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    # A second start reuses the instance.
    again = subprocess.run([duban, "demo", "--no-serve"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0 and "reusing" in again.stdout
