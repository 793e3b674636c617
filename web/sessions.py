"""Flask's signed-cookie sessions: no work for requests without the cookie, and login lifetimes.

Respondents answering a survey have no session (see plugins.survey.views.public), and Flask
builds a signing serializer for every request before it looks for the cookie.

A login lives in the cookie alone: when it began and when the browser was last seen, as
seconds since the epoch, signed with the rest of the session. :func:`login_is_current` ends
it after ``SESSION_LIFETIME`` (absolute) or ``SESSION_IDLE_TIMEOUT`` without a request, and
moves the last-seen time forward at most every ``SESSION_IDLE_REFRESH`` seconds: the cookie
is then sent again, and nothing is written to the database.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"

LIFETIME_DEFAULTS = {
    "SESSION_LIFETIME": 12 * 3600,  # seconds from login, however busy
    "SESSION_IDLE_TIMEOUT": 30 * 60,  # seconds without a request
    "SESSION_IDLE_REFRESH": 5 * 60,  # the last-seen time is moved at most this often
}


class SessionCookies(SecureCookieSessionInterface):
    """Sessions as Flask keeps them; a request without the cookie starts an empty one at once."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        # A public form's page (web.public_forms) is sent "private, no-cache": every ordinary load
        # asks the server again, and Back shows the copy the browser kept, with the token it
        # sent. "Vary: Cookie" would make the browser drop that copy once its cookies changed
        # (the form's own browser cookie, set by that very page) and fetch a new rendering.
        if g.get("duban_same_page_on_back"):
            response.vary.discard("Cookie")


def start_login(session: MutableMapping[str, Any], now: float | None = None) -> None:
    """Mark the login in ``session`` as beginning now."""
    moment = int(now if now is not None else time.time())
    session[LOGIN_AT] = moment
    session[SEEN_AT] = moment


def login_is_current(session: MutableMapping[str, Any], config: Mapping[str, Any],
                     now: float | None = None) -> bool:
    """True while the login in ``session`` is within its lifetime and idle timeout.

    A session without the timestamps (issued before they existed, or forged without the
    key, which the signature already refuses) is not current.
    """
    now = now if now is not None else time.time()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return False
    idle = int(config["SESSION_IDLE_TIMEOUT"])
    if now - login_at >= int(config["SESSION_LIFETIME"]) or now - seen_at >= idle:
        return False
    if now - seen_at >= min(int(config["SESSION_IDLE_REFRESH"]), idle // 2):
        session[SEEN_AT] = int(now)
    return True


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    for key, value in LIFETIME_DEFAULTS.items():
        app.config.setdefault(key, value)
