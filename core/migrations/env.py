"""Alembic environment: runs against the engine handed over in the config."""
from __future__ import annotations

from alembic import context

import core.models  # noqa: F401  (registers core tables)
from core.db import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_object=config.attributes.get("include_object"),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
