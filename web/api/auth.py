"""Who is calling the API: the bearer token, never the session cookie."""
from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from core.access.scope import Scope
from core.access.tokens import authenticate
from core.errors import DubanError, Forbidden
from web import db
from web.ratelimit import count_request


class Unauthorized(DubanError):
    """No token, or one that is unknown, expired, revoked or belongs to a deactivated account."""

    status = 401


def bearer_secret() -> str | None:
    """The token in ``Authorization: Bearer …``, if any."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


READING_METHODS = frozenset({"GET", "HEAD"})


def authenticate_request() -> Scope:
    """The caller's scope, from their token; :class:`Unauthorized` otherwise.

    A read-only token is refused (:class:`Forbidden`, 403) any method but GET and HEAD.
    """
    secret = bearer_secret()
    if secret is None:
        raise Unauthorized("Send an API token as Authorization: Bearer TOKEN.")
    session = db.session()
    found = authenticate(session, secret)
    if found is None:
        raise Unauthorized("This API token is unknown, expired, revoked or belongs to a deactivated account.")
    token, user = found
    if session.dirty:
        session.commit()  # the token's last use, written at most once a minute
    if token.read_only and request.method not in READING_METHODS:
        raise Forbidden("This API token is read-only: it may only read (GET), not change anything.")
    session.info["actor"] = f"{user.username} (api)"
    g.api_token = token
    g.scope = Scope(session, user, current_app.extensions["duban.capabilities"])
    return g.scope


def enforce_rate_limit() -> None:
    """Refuse (429) a caller over ``API_RATE_LIMIT``, counted in the limiter's storage.

    Checked here rather than with a decorator because the API blueprint is built per
    application and decorator limits would pile up on the shared limiter.
    """
    count_request(current_app.config.get("API_RATE_LIMIT", "600 per minute"), "api", rate_limit_key())


def rate_limit_key() -> str:
    """Rate limits count per token (per address for requests without one)."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:24]
    return "addr:" + (get_remote_address() or "")
