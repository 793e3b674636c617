"""Headers, CSRF, rate limits and the request's database teardown."""
from __future__ import annotations

from flask import Flask, Response

from web import request_checks, sessions
from web.db import close_session
from web.extensions import csrf, limiter
from web.ratelimit import skip_check_for_counted_views

# Everything Duban serves comes from Duban: no CDN, no inline script or style.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _headers(response: Response) -> Response:
    """Add the security headers a view has not set itself (one pass over the response's headers)."""
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118  (Headers iterate as pairs)
    response.headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
    if response.mimetype == "text/html" and "cache-control" not in present:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    request_checks.init_app(app)
    sessions.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    skip_check_for_counted_views(app, limiter._check_request_limit)
    app.after_request(_headers)
    app.teardown_appcontext(close_session)
