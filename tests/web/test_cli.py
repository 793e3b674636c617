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
    assert again.returncode == 0 and "沿用已有实例" in again.stdout


def _duban_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DUBAN_INSTANCE": str(tmp_path / "instance"), **extra}
    env.pop("DUBAN_DATABASE_URL", None)
    if "DUBAN_LANG" not in extra:
        env.pop("DUBAN_LANG", None)
    return env


def test_duban_demo_on_a_taken_port_says_so_at_once_and_names_the_port_option(tmp_path):
    """It used to print the URL, let gunicorn retry five times in English, and exit with no hint."""
    duban = shutil.which("duban", path=os.path.dirname(sys.executable))
    assert duban, "the duban console script is not installed"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([duban, "demo", "--port", str(port)], env=_duban_env(tmp_path), cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"127.0.0.1:{port} 已被占用" in result.stderr
    assert f"duban demo --port {port + 1}" in result.stderr
    assert "Connection in use" not in result.stdout + result.stderr
    assert "http://" not in result.stdout  # no address to open was promised
    assert not (tmp_path / "instance" / "duban.sqlite").exists()  # nor any demo data written


def test_the_command_line_speaks_chinese_unless_told_otherwise(tmp_path):
    duban = shutil.which("duban", path=os.path.dirname(sys.executable))
    assert duban, "the duban console script is not installed"
    chinese = subprocess.run([duban, "demo", "--help"], env=_duban_env(tmp_path), capture_output=True, text=True,
                             timeout=120)
    assert chinese.returncode == 0
    assert "用法：" in chinese.stdout and "创建（或沿用）演示省份数据并启动服务。" in chinese.stdout
    assert "监听端口。" in chinese.stdout and "显示本帮助并退出。" in chinese.stdout
    mistyped = subprocess.run([duban, "import", "--no-such-thing"], env=_duban_env(tmp_path), capture_output=True,
                              text=True, timeout=120)
    assert mistyped.returncode == 2 and "错误：没有选项 '--no-such-thing'。" in mistyped.stderr
    english = subprocess.run([duban, "demo", "--help"], env=_duban_env(tmp_path, DUBAN_LANG="en"),
                             capture_output=True, text=True, timeout=120)
    assert "Usage:" in english.stdout and "Create (or reuse) a demo province and serve it." in english.stdout
    plugin = subprocess.run([duban, "survey", "--help"], env=_duban_env(tmp_path), capture_output=True, text=True,
                            timeout=120)
    assert "XLSForm 民意调查问卷。" in plugin.stdout  # a plugin's command, from the plugin's own catalogue
