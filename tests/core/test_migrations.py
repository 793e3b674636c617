"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core.db import Base, make_engine, scratch_database
from core.migrate import upgrade
from core.plugins import make_plugin_manager, migration_dirs


def test_upgrade_from_empty_matches_the_models():
    pm = make_plugin_manager()
    import core.models  # noqa: F401

    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_migrations") as url:
        engine = make_engine(url)
        try:
            upgrade(engine, migration_dirs(pm))
            upgrade(engine, migration_dirs(pm))  # a second run changes nothing
            with engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, Base.metadata)
            assert differences == []
        finally:
            engine.dispose()


def test_scores_lose_their_foreign_key_and_get_it_back_without_orphans():
    from alembic import command
    from sqlalchemy import inspect, text

    from core.migrate import alembic_config

    pm = make_plugin_manager()
    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_migrations") as url:
        engine = make_engine(url)
        try:
            config = alembic_config(engine, migration_dirs(pm))
            upgrade(engine, migration_dirs(pm), "74e726e1c73b")
            with engine.connect() as connection:
                assert inspect(connection).get_foreign_keys("scoring_task_scores")
            upgrade(engine, migration_dirs(pm))
            with engine.begin() as connection:
                assert not inspect(connection).get_foreign_keys("scoring_task_scores")
                assert not inspect(connection).get_indexes("scoring_task_scores")
                # A score whose task is gone: possible without the key, dropped when the key comes back.
                connection.execute(text("INSERT INTO scoring_task_scores (task_id, p_problem, impact, priority, "
                                        "rule_points, mode, reasons, scored_on) VALUES "
                                        "(999, 0.5, 1, 0.5, 0, 'rules', '[]', '2026-12-06')"))
            command.downgrade(config, "74e726e1c73b")
            with engine.connect() as connection:
                assert inspect(connection).get_foreign_keys("scoring_task_scores")
                assert connection.scalar(text("SELECT count(*) FROM scoring_task_scores")) == 0
        finally:
            engine.dispose()
