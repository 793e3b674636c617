"""A transaction begun with WRITE_INTENT holds SQLite's write lock from its first statement."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.db import WRITE_INTENT, make_engine


def test_a_writing_transaction_takes_the_lock_as_it_begins(tmp_path) -> None:
    engine = make_engine("sqlite:///" + str(tmp_path / "lock.sqlite"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    writer = engine.connect().execution_options(**WRITE_INTENT)
    reader = engine.connect()
    other_writer = engine.connect().execution_options(**WRITE_INTENT)
    try:
        writer.execute(text("SELECT count(*) FROM t"))  # only a read, yet the lock is taken
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0  # readers go on (WAL)
        reader.commit()
        raw = other_writer.connection.dbapi_connection
        assert raw is not None  # open: the session's transaction holds it
        raw.execute("PRAGMA busy_timeout=50")
        with pytest.raises(OperationalError, match="locked"):
            other_writer.execute(text("SELECT count(*) FROM t"))
        other_writer.rollback()
        writer.execute(text("INSERT INTO t VALUES (1)"))
        writer.commit()
        assert other_writer.execute(text("SELECT count(*) FROM t")).scalar() == 1
        other_writer.commit()
    finally:
        for connection in (writer, reader, other_writer):
            connection.close()
        engine.dispose()


def test_a_plain_transaction_begins_deferred(tmp_path) -> None:
    engine = make_engine("sqlite:///" + str(tmp_path / "plain.sqlite"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    first, second = engine.connect(), engine.connect()
    try:
        first.execute(text("SELECT count(*) FROM t"))
        second.execute(text("INSERT INTO t VALUES (1)"))  # a reader holds no lock
        second.commit()
        first.rollback()
    finally:
        first.close()
        second.close()
        engine.dispose()
