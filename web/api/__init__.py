"""The JSON API under ``/api/v1``: bearer tokens, JSON errors, OpenAPI, rate limits.

Every operation is an :class:`core.apitypes.ApiRoute` — core's own (``web.api.ledger``,
``web.api.signals``) and those plugins return from ``duban_api_routes`` — mounted by
:func:`make_blueprint` and described by the same records in ``/api/v1/openapi.json``.
The blueprint is exempt from CSRF because it never reads the session cookie: a
request is authenticated by its ``Authorization: Bearer`` token alone.
"""
from __future__ import annotations

import pluggy
from flask import Flask

from web.api.routes import make_blueprint

__all__ = ["init_app", "make_blueprint"]


def init_app(app: Flask, pm: pluggy.PluginManager) -> None:
    """Mount the API and set up the background jobs (the pages for tokens, webhooks and jobs
    are core's pages, mounted by ``web.builtin``)."""
    from web import background

    app.register_blueprint(make_blueprint(pm))
    background.init_app(app)
