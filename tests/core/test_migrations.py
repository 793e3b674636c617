"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core.db import Base, make_engine
from core.migrate import upgrade
from core.plugins import make_plugin_manager, migration_dirs


def test_upgrade_from_empty_matches_the_models(tmp_path):
    pm = make_plugin_manager()
    import core.models  # noqa: F401

    engine = make_engine("sqlite:///" + str(tmp_path / "fresh.sqlite"))
    upgrade(engine, migration_dirs(pm))
    upgrade(engine, migration_dirs(pm))  # a second run changes nothing
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    engine.dispose()
