"""The application factory."""
from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from typing import Any

from flask import Flask

from core import audit_keys, audit_log, clock
from core.db import Database
from core.i18n import DEFAULT_LOCALE, translation_dirs
from core.plugin_settings import load_settings
from core.plugins import capabilities, make_plugin_manager, plugin_translation_dirs

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,
    "BLOCKED_PLUGINS": [],
    "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
    "BABEL_DEFAULT_TIMEZONE": clock.DEFAULT_ZONE,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SECURE": True,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # How many proxies (nginx, a load balancer) stand in front of the servers and add to
    # X-Forwarded-For / X-Forwarded-Proto. 0: the socket's address is the client's, and any
    # forwarded header is ignored, since a client could write it.
    "TRUSTED_PROXIES": 0,
    # Host names that news feeds and webhooks may reach although they resolve to a loopback,
    # private or otherwise internal address (see core.outbound).
    "OUTBOUND_ALLOWED_HOSTS": [],
    "RATELIMIT_STORAGE_URI": "swept-memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",
    "PUBLIC_RATE_LIMIT": "30 per minute",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_SENDER": "duban@localhost",
    "DEADLINE_WARNING_DAYS": 3,
    # Database connections each process keeps open, and how many more it may open at busy
    # times. Give a process at least as many as it serves requests at once (gunicorn's
    # --threads): a request that finds none waits, and connections opened beyond the pool
    # are closed again as soon as they are returned.
    "DATABASE_POOL_SIZE": 10,
    "DATABASE_MAX_OVERFLOW": 20,
}


def _instance_path(config: Mapping[str, Any] | None) -> str:
    if config and config.get("INSTANCE_PATH"):
        return os.path.abspath(str(config["INSTANCE_PATH"]))
    return os.path.abspath(os.environ.get("DUBAN_INSTANCE", os.path.join(os.getcwd(), "instance")))


def _instance_file(instance_path: str) -> dict[str, Any]:
    """The instance's ``config.toml``, or nothing when there is none."""
    try:
        with open(os.path.join(instance_path, "config.toml"), "rb") as handle:
            return tomllib.load(handle)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return {}


def _secret_key(instance_path: str) -> str:
    """A per-instance key, created once and kept in the instance folder."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value or [])


def _trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the ``TRUSTED_PROXIES`` proxies in front, if any.

    Rate limits, the access log and everything else that reads ``request.remote_addr`` then
    see the real client instead of the proxy, which every client would otherwise share.
    """
    hops = int(app.config["TRUSTED_PROXIES"] or 0)
    if hops < 0:
        raise ValueError("TRUSTED_PROXIES is the number of proxies in front of Duban (0 or more)")
    app.config["TRUSTED_PROXIES"] = hops
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Werkzeug's documented way to trust a proxy: wrap the WSGI callable (mypy sees a method).
        fixed = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
        app.wsgi_app = fixed  # type: ignore[method-assign]  # see above


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Duban application.

    Configuration comes from the defaults, then ``config.toml`` in the instance
    folder, then ``DUBAN_*`` environment variables, then ``config``. Plugin settings
    follow the same order (see :mod:`core.plugin_settings`).
    """
    app = Flask(__name__, instance_path=_instance_path(config), instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    # Read once: Flask keeps its upper-case keys, the plugins take their [plugins.<name>] tables.
    instance_file = _instance_file(app.instance_path)
    app.config.from_mapping(instance_file)
    app.config.from_prefixed_env("DUBAN")
    if config:
        app.config.from_mapping(config)
    clock.set_zone(app.config.get("BABEL_DEFAULT_TIMEZONE"))
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    app.config["BLOCKED_PLUGINS"] = _as_list(app.config["BLOCKED_PLUGINS"])
    app.config["OUTBOUND_ALLOWED_HOSTS"] = _as_list(app.config["OUTBOUND_ALLOWED_HOSTS"])
    _trust_proxies(app)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "duban.sqlite")

    # PLUGINS: plugin objects registered directly (embedding, tests).
    # The web side of the contract joins core's: its hookspecs, and core's pages and commands (web.builtin).
    from web import hookspecs as web_hookspecs

    pm = make_plugin_manager(blocked=app.config["BLOCKED_PLUGINS"], extra=app.config.get("PLUGINS", ()),
                             specs=(web_hookspecs,), builtins=("web.builtin",))
    app.extensions["duban.plugins"] = pm
    app.extensions["duban.capabilities"] = capabilities(pm)
    app.extensions["duban.plugin_settings"] = load_settings(
        pm, config_file=instance_file.get("plugins"), environ=os.environ,
        application=(config or {}).get("PLUGIN_SETTINGS"))
    db = Database(app.config["DATABASE_URL"], info={"plugins": pm}, pool_size=int(app.config["DATABASE_POOL_SIZE"]),
                  max_overflow=int(app.config["DATABASE_MAX_OVERFLOW"]))
    # The audit trail's HMAC key lives outside the database: config/environment or the instance's key file.
    keys = audit_keys.load_keys(app.config, app.instance_path)
    app.extensions["duban.audit_keys"] = keys
    audit_log.install(db.sessionmaker, keys)
    app.extensions["duban.db"] = db
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs(plugin_translation_dirs(pm)))

    from web import auth, errors, i18n, security
    from web.blueprints import register_blueprints
    from web.commands import register_commands

    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    register_blueprints(app, pm)
    from web import api

    api.init_app(app, pm)
    register_commands(app, pm)
    return app
