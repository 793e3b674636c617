"""Applying Alembic migrations: core's revisions plus one branch per plugin."""
from __future__ import annotations

import os
from collections.abc import Sequence

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = os.path.dirname(os.path.abspath(__file__))


def alembic_config(engine: Engine, version_dirs: Sequence[str]) -> Config:
    """An Alembic configuration for ``engine`` reading revisions from ``version_dirs``."""
    config = Config()
    config.set_main_option("script_location", os.path.join(HERE, "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(version_dirs))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, version_dirs: Sequence[str], target: str = "heads") -> None:
    """Bring the database up to ``target`` (every branch head by default)."""
    command.upgrade(alembic_config(engine, version_dirs), target)


def current_heads(engine: Engine, version_dirs: Sequence[str]) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())
