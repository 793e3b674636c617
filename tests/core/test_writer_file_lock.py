"""SQLite writers of different processes take turns on a lock file beside the database."""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from sqlalchemy import text

from core.db import WRITE_INTENT, Database
from core.writer_file_lock import WriterFileLock

ROWS = 40


def test_one_holder_at_a_time_and_a_waiter_that_gives_up_says_so(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite.writers")
    first, second = WriterFileLock(path), WriterFileLock(path)  # two open files: as two processes hold it
    assert first.acquire(1.0)
    assert not second.acquire(0.02)
    first.release()
    assert second.acquire(1.0)
    second.release()


def _writer(url: str, start: int, ready: object, writing: object = None) -> None:
    database = Database(url)
    ready.wait(30)  # type: ignore[attr-defined]  # a multiprocessing Event
    if writing is not None:
        writing.set()  # type: ignore[attr-defined]  # a multiprocessing Event
    for n in range(start, start + ROWS):
        with database.begin(**WRITE_INTENT) as connection:
            connection.execute(text("INSERT INTO turns_t (n, pid) VALUES (:n, :pid)"), {"n": n, "pid": os.getpid()})
    database.engine.dispose()


def _database(path: Path) -> tuple[str, Database]:
    """A database file at ``path`` with the table the writers fill."""
    url = "sqlite:///" + str(path)
    database = Database(url)
    with database.begin() as connection:
        connection.execute(text("CREATE TABLE turns_t (n INTEGER PRIMARY KEY, pid INTEGER)"))
    return url, database


def _stored(database: Database) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM turns_t")).scalar_one())


def test_writers_of_several_processes_take_turns_and_none_is_lost(tmp_path: Path) -> None:
    url, database = _database(tmp_path / "turns.sqlite")
    assert (tmp_path / "turns.sqlite.writers").exists()  # the first write took a turn
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    processes = [context.Process(target=_writer, args=(url, k * ROWS, ready)) for k in range(3)]
    for process in processes:
        process.start()
    ready.set()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT n, pid FROM turns_t ORDER BY n")).all()
    assert [n for n, _pid in rows] == list(range(3 * ROWS))
    assert len({pid for _n, pid in rows}) == 3
    database.engine.dispose()


def test_a_process_holding_the_turn_makes_the_others_wait_not_fail(tmp_path: Path) -> None:
    """A write begun while another process holds the turn waits for it, then goes through."""
    url, database = _database(tmp_path / "wait.sqlite")
    outside = WriterFileLock(str(tmp_path / "wait.sqlite.writers"))  # stands for another process's writer
    assert outside.acquire(1.0)
    context = multiprocessing.get_context("spawn")
    ready, writing = context.Event(), context.Event()
    process = context.Process(target=_writer, args=(url, 0, ready, writing))
    process.start()
    ready.set()
    assert writing.wait(60)  # about to write its first row
    process.join(0.5)
    assert process.is_alive()  # waiting for its turn
    assert _stored(database) == 0
    outside.release()
    process.join(60)
    assert process.exitcode == 0
    assert _stored(database) == ROWS
    database.engine.dispose()
