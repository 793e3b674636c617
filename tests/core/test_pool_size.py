"""Each process keeps as many database connections as DATABASE_POOL_SIZE says."""
from __future__ import annotations

from sqlalchemy.pool import QueuePool, StaticPool

from web.app import create_app


def test_the_pool_is_sized_by_the_configuration(tmp_path) -> None:
    app = create_app({"DATABASE_URL": "sqlite:///" + str(tmp_path / "pool.sqlite"), "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "k", "DATABASE_POOL_SIZE": "26", "DATABASE_MAX_OVERFLOW": 4})
    pool = app.extensions["duban.db"].engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (26, 4)


def test_an_in_memory_database_keeps_its_one_connection(tmp_path) -> None:
    app = create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert isinstance(app.extensions["duban.db"].engine.pool, StaticPool)
