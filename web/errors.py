"""Error pages and JSON errors in the user's language."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from core.errors import DubanError
from core.i18n import N_
from web.i18n import render_message

_TITLES = {
    400: N_("The request could not be understood."),
    403: N_("You are not allowed to see this page."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This action is not allowed here."),
    409: N_("This action conflicts with the current state."),
    413: N_("The upload is too large."),
    429: N_("Too many requests. Please wait a moment and try again."),
    500: N_("Something went wrong on our side."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _reset_session(status: int) -> None:
    """Roll back the request's transaction if it failed, or on a server error, before the page is drawn.

    The error page reads the user and the menu through the same session: after a failed
    statement it would fail in turn (PendingRollbackError) and the user would get a bare
    error instead of the page. A server error also leaves nothing half-written.
    """
    session = g.get("db_session")
    if session is None:
        return
    transaction = session.get_transaction()
    if status >= 500 or (transaction is not None and not transaction.is_active):
        session.rollback()


def _page(status: int, text: str) -> tuple[Response | str, int]:
    _reset_session(status)
    if _wants_json():
        return jsonify({"error": {"status": status, "message": text}}), status
    return render_template("errors/error.html", status=status, text=text), status


def _unavailable() -> Response:
    """The database is cut, restarting, or (SQLite) busy past its timeout: 503, try again shortly.

    The language is settled while the signed-in account is still loaded (if it was); the page is
    then drawn without the template context processors, which would load the account (and its
    name and menu) from the database that just failed.
    """
    try:
        get_locale()
    except Exception:
        g.pop("_login_user", None)
    try:
        _reset_session(503)
    except Exception:  # noqa: S110  (the database already failed: the page is drawn all the same)
        pass
    text = gettext("The database is unavailable for a moment. Please try again.")
    if _wants_json():
        response = jsonify({"error": {"status": 503, "message": text}})
    else:
        page = current_app.jinja_env.get_template("errors/unavailable.html").render(status=503, text=text)
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = "1"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, lambda _error: _unavailable())

    @app.errorhandler(DubanError)
    def _duban_error(error: DubanError) -> tuple[Response | str, int]:
        return _page(error.status, render_message(error.message))

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[Response | str, int]:
        return _page(400, gettext("The form has expired or was not sent from this site. "
                                  "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response, int]:
        status = error.code or 500
        body, status = _page(status, gettext(_TITLES.get(status, _TITLES[400])))
        response = make_response(body, status)
        # The exception's own headers: Allow on a 405 (RFC 9110 requires it), Retry-After, ….
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status
