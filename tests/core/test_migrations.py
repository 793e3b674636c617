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
