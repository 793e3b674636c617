"""The request's database session and permission scope."""
from __future__ import annotations

from typing import Any

import pluggy
from flask import abort, current_app, g
from flask_login import current_user
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.access.models import User
from core.access.scope import Scope
from core.db import Database


def database() -> Database:
    """The application's :class:`core.db.Database`."""
    return current_app.extensions["duban.db"]


def plugins() -> pluggy.PluginManager:
    """The application's plugin manager."""
    return current_app.extensions["duban.plugins"]


def session() -> Session:
    """The request's session: one transaction per request, closed at teardown."""
    if "db_session" not in g:
        # The actor is set by the user loader once the user is known.
        g.db_session = database().session()
    return g.db_session


def scope() -> Scope:
    """What the current user may see and do."""
    if "scope" not in g:
        user: Any = current_user if current_user and current_user.is_authenticated else None
        g.scope = Scope(session(), user, current_app.extensions["duban.capabilities"])
    return g.scope


def user() -> User:
    """The signed-in user, in a view that requires one (401 when there is none)."""
    signed_in: User | None = scope().user
    if signed_in is None:
        abort(401)
    return signed_in


def close_session(_exc: BaseException | None = None) -> None:
    """End the request's session; its answer stands even if the database is gone by now.

    Closing rolls back whatever the request left open; a connection the server closed in the
    meantime (a restart, a cut) fails that rollback, and SQLAlchemy drops it from the pool.
    """
    db_session = g.pop("db_session", None)
    if db_session is None:
        return
    try:
        db_session.close()
    except DBAPIError:
        current_app.logger.warning("the request's database connection was lost as it ended", exc_info=True)
