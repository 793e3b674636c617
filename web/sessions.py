"""Flask's signed-cookie sessions, without work for requests that carry no session cookie.

Respondents answering a survey have no session (see plugins.survey.views.public), and Flask
builds a signing serializer for every request before it looks for the cookie.
"""
from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SessionCookies(SecureCookieSessionInterface):
    """Sessions as Flask keeps them; a request without the cookie starts an empty one at once."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
