"""``duban token`` and ``duban backup``/``restore`` from the command line."""
from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import create_engine, text

from core.access.models import Role
from core.db import scratch_database

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_token_create_prints_the_token_last_and_revoke_stops_it(runner, client, org):
    org.user("bridge", Role.supervisor, org.city_a)
    result = runner.invoke(args=["token", "create", "bridge", "--name", "hotline"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["username"] == "bridge"
    assert runner.invoke(args=["token", "revoke", secret[:12]]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert runner.invoke(args=["token", "create", "nobody"]).exit_code != 0


def _duban(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([os.path.join(ROOT, ".venv", "bin", "duban"), *args],
                          env=env, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def _dump(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    tables = {}
    with engine.connect() as connection:
        for name in ("units", "users", "matters", "tasks", "audit_log"):
            try:
                rows = connection.execute(text(f"SELECT * FROM {name} ORDER BY 1")).all()
            except Exception:  # noqa: S112  (a table this instance does not have)
                continue
            tables[name] = [tuple(str(v) for v in row) for row in rows]
    engine.dispose()
    return tables


def _round_trip(tmp_path, url: str) -> None:
    env = {**os.environ, "DUBAN_INSTANCE": str(tmp_path / "instance"), "DUBAN_DATABASE_URL": url}
    assert _duban(env, "demo", "--no-serve").returncode == 0
    before = _dump(url)
    assert before["units"] and before["users"]
    backup = tmp_path / "duban.backup"
    result = _duban(env, "backup", str(backup))
    assert result.returncode == 0, result.stderr
    assert "正在写入备份" in result.stderr  # it says what it is doing before the copy starts
    assert f"备份已写入 {backup}" in result.stdout
    # Change things after the backup: the restore must undo them.
    assert _duban(env, "user", "create", "later", "--role", "admin", "--password-stdin",
                  stdin="correct-horse-battery\n").returncode == 0
    assert _dump(url) != before
    result = _duban(env, "restore", str(backup), "--yes")
    assert result.returncode == 0, result.stderr
    assert _dump(url) == before


def test_backup_and_restore_round_trip_a_sqlite_instance(tmp_path):
    _round_trip(tmp_path, "sqlite:///" + str(tmp_path / "duban.sqlite"))


@pytest.mark.postgres_only
def test_backup_and_restore_round_trip_a_postgresql_instance(tmp_path):

    server = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if not server or not server.startswith("postgres"):
        pytest.skip("needs DUBAN_TEST_DATABASE_URL on PostgreSQL")
    with scratch_database(server, "duban_backup") as url:
        _round_trip(tmp_path, url)


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all")
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
