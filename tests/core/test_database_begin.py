"""Database.begin: a Core transaction of its own, committed or rolled back as a whole."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from core.db import WRITE_INTENT, Database


def _count(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM t")).scalar_one()


def test_a_block_commits_as_it_ends_and_rolls_back_if_it_raises(tmp_path) -> None:
    database = Database("sqlite:///" + str(tmp_path / "begin.sqlite"))
    with database.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert _count(database) == 1
    with pytest.raises(RuntimeError), database.begin(**WRITE_INTENT) as connection:
        assert connection.get_execution_options()["write_intent"] is True
        connection.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("refused half way")
    assert _count(database) == 1
    database.engine.dispose()


def test_under_bind_a_block_is_a_savepoint_of_the_bound_connection(tmp_path) -> None:
    database = Database("sqlite:///" + str(tmp_path / "bound.sqlite"))
    with database.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    outer = database.engine.connect()
    transaction = outer.begin()
    database.bind(outer)
    with database.begin() as connection:
        assert connection is outer
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(RuntimeError), database.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError
    assert outer.execute(text("SELECT count(*) FROM t")).scalar_one() == 1  # the first block, not the second
    transaction.rollback()
    outer.close()
    assert _count(database) == 0  # the test's rollback takes everything
    database.engine.dispose()


def test_on_sqlite_the_blocks_of_one_process_take_turns(tmp_path) -> None:
    """A second writer waits in the process for the first to commit, not in SQLite's busy loop."""
    import threading

    database = Database("sqlite:///" + str(tmp_path / "turns.sqlite"))
    with database.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    inside = threading.Event()
    events: list[str] = []

    def first() -> None:
        with database.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            inside.set()
            threading.Event().wait(0.2)
            events.append("first commits")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with database.begin() as connection:
        events.append("second begins")
        connection.execute(text("INSERT INTO t VALUES (2)"))
    thread.join()
    assert events == ["first commits", "second begins"]
    assert _count(database) == 2
    database.engine.dispose()
