"""What a plugin may use of Duban's web layer: the one module of ``web`` a plugin imports.

Plugins otherwise import only Flask, its extensions' public names (``flask_login``,
``flask_wtf``, ``wtforms``) and core's public modules. Everything here is documented in
docs/plugins.md and pinned by tests/web/test_plugin_api.py: a name is added when a plugin
needs it, and changed only with the plugins and that page.

The request
    :func:`request_session`, :func:`request_scope`, :func:`database`, :func:`plugin_manager`
Access and messages
    :func:`capability_required`, :func:`render_message`, :func:`speaks_accept_language`
Forms
    :class:`ActionForm`, :class:`HappenedOn`
Uploads checked, then confirmed
    :class:`UploadForm`, :func:`check_upload`, :func:`confirm_upload`, :func:`error_report_csv`
Public endpoints
    :func:`rate_limit`, :func:`public_rate_limit`, :func:`count_request`, :func:`counts_itself`,
    :func:`csrf_exempt`
Public forms sent once (Post/Redirect/Get, see :mod:`web.public_forms`)
    :class:`FormToken`, :class:`FormTokenRejected`, :func:`issue_form_token`, :func:`read_form_token`,
    :func:`submit_once`, :func:`sent_result`, :func:`sent_earlier`, :func:`remember`, :func:`remembered`
The command line
    :func:`cli_gettext`, :func:`say`, :func:`fail`
Settings and logging
    :func:`settings`, :func:`logger`
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar, cast

import pluggy
from flask import current_app
from sqlalchemy.orm import Session

from core.access.scope import Scope
from core.db import Database
from core.plugin_settings import NAME, PluginSettings
from web import db
from web.auth import capability_required
from web.commands.output import cli_gettext, fail, say
from web.extensions import csrf, limiter
from web.forms import ActionForm, HappenedOn
from web.i18n import render_message, speaks_accept_language
from web.import_flow import UploadForm, check_upload, confirm_upload, error_report_csv
from web.public_forms import (
    FormToken,
    FormTokenRejected,
    issue_form_token,
    read_form_token,
    remember,
    remembered,
    sent_earlier,
    sent_result,
    submit_once,
)
from web.ratelimit import count_request, counts_itself

__all__ = [
    "ActionForm",
    "FormToken",
    "FormTokenRejected",
    "HappenedOn",
    "UploadForm",
    "capability_required",
    "check_upload",
    "cli_gettext",
    "confirm_upload",
    "count_request",
    "counts_itself",
    "csrf_exempt",
    "database",
    "error_report_csv",
    "fail",
    "issue_form_token",
    "logger",
    "plugin_manager",
    "public_rate_limit",
    "rate_limit",
    "read_form_token",
    "remember",
    "remembered",
    "render_message",
    "request_scope",
    "request_session",
    "say",
    "sent_earlier",
    "sent_result",
    "settings",
    "speaks_accept_language",
    "submit_once",
]

View = TypeVar("View", bound=Callable[..., object])


# -- the request ---------------------------------------------------------------


def request_session() -> Session:
    """The request's database session: one transaction per request, closed when the request ends.

    A view commits it once when the user's action is done, and rolls it back on a refusal,
    so nothing is half-written.
    """
    return db.session()


def request_scope() -> Scope:
    """What the signed-in user may see and do (:class:`core.access.scope.Scope`) on :func:`request_session`."""
    return db.scope()


def database() -> Database:
    """The application's :class:`core.db.Database`, for work in transactions of its own.

    Views use :func:`request_session`; command-line commands and jobs open transactions
    with ``database().transaction(actor=...)`` or sessions with ``database().session()``.
    """
    return db.database()


def plugin_manager() -> pluggy.PluginManager:
    """The application's plugin manager (for ``core.plugins.importers`` and the like)."""
    return db.plugins()


# -- public endpoints ------------------------------------------------------------


def public_rate_limit() -> str:
    """The instance's limit for public pages, ``PUBLIC_RATE_LIMIT`` (such as ``"30 per minute"``)."""
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


def rate_limit(limit: str | Callable[[], str] = public_rate_limit, *,
               methods: Iterable[str] | None = None) -> Callable[[View], View]:
    """Limit a view's requests per client address; over the limit it answers 429.

    ``limit`` is a text such as ``"10 per minute"`` or a function returning one, read on each
    request (the default: :func:`public_rate_limit`). ``methods`` limits only those methods
    (``["POST"]`` for a form whose page may be read freely). Place it under the route
    decorator. Counts are shared by every server when ``RATELIMIT_STORAGE_URI`` names Redis.
    """
    # limits' RouteLimit is typed to take a Blueprint too; on a view it returns the view.
    return cast("Callable[[View], View]", limiter.limit(limit, methods=list(methods) if methods else None))


def csrf_exempt(view: View) -> View:
    """Exempt a view from the CSRF check that every form post passes otherwise.

    Only for posts that cannot carry the session's token (ODK Collect, a form bound to its
    own signed token); such a view must check its caller another way and be rate-limited.
    """
    return csrf.exempt(view)


# -- settings and logging ----------------------------------------------------------


def settings(plugin: str) -> PluginSettings:
    """The settings of ``plugin`` as the instance has them: its declared defaults overridden by
    ``[plugins.<plugin>]`` in ``config.toml`` and ``DUBAN_<PLUGIN>__<KEY>`` in the environment.

    A read-only mapping by key, of the types the declarations give (``duban_settings``).
    Available wherever Duban runs plugin code in the application: requests, commands, jobs
    and ``duban tick``. A plugin that declares no settings gets an empty mapping.
    """
    found: dict[str, PluginSettings] = current_app.extensions["duban.plugin_settings"]
    return found.get(plugin) or PluginSettings(plugin, {})


def logger(plugin: str) -> logging.Logger:
    """The logger of ``plugin``, ``duban.<plugin>``, beside core's ``duban.notify``, ``duban.webhooks`` ….

    Log what an operator needs to follow or to act on (a feed that failed, a mail server that
    refused); what users did is kept in the audit trail instead.
    """
    if not NAME.fullmatch(plugin):
        raise ValueError(f"a plugin's name is a lower-case name, not {plugin!r}")
    return logging.getLogger(f"duban.{plugin}")
