"""Feature rows read straight from the driver fail as SQLAlchemy's own statements do.

Seen with bench/faults.py --mixed: with the database connections cut, task pages answered 500
because the driver's own error (psycopg.errors.AdminShutdown) escaped, where every other
statement raised SQLAlchemy's OperationalError (503); and the dead connection stayed in the pool.
"""
from __future__ import annotations

import pytest
from sqlalchemy import literal, select, table, text
from sqlalchemy.exc import DBAPIError, OperationalError

from core.scoring.features import _raw_rows


def test_rows_come_back_as_plain_tuples(engine):
    with engine.connect() as connection:
        assert _raw_rows(connection, select(literal(1), literal("a"))) == [(1, "a")]


def test_a_failing_statement_raises_sqlalchemys_error(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # a transaction SQLAlchemy knows of, as a session's is
        with pytest.raises(DBAPIError):
            _raw_rows(connection, select(text("*")).select_from(table("no_such_table")))
        connection.rollback()
        assert _raw_rows(connection, select(literal(2))) == [(2,)]


def test_a_connection_the_server_closed_is_an_operational_error_and_leaves_the_pool(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            connection.commit()
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
            expected = OperationalError
        else:
            connection.connection.dbapi_connection.close()
            expected = DBAPIError
        with pytest.raises(expected) as caught:
            _raw_rows(connection, select(literal(1)))
        assert caught.value.connection_invalidated
        assert connection.invalidated
