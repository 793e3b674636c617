"""Checks every request passes before any view reads it.

A NUL character cannot be stored or even compared by PostgreSQL (``A string literal
cannot contain NUL``), and no field of Duban has a use for one; rather than have each
page guard each parameter, a request carrying one in its path, query string or form
is refused here with a 400 in the user's language. The API (``web.api.routes``) checks
its own query arguments and JSON bodies once the bearer token is known, so that its
refusal is in the language of the token's owner; here only its path is checked.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from core.errors import ValidationError
from core.i18n import N_

NUL = "\x00"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(pairs: Iterable[tuple[str, str]]) -> bool:
    return any(NUL in key or NUL in value for key, value in pairs)


def _items(values: MultiDict[str, str]) -> Iterable[tuple[str, str]]:
    return values.items(multi=True)


def _refuse() -> None:
    # Load the signed-in account (from the session cookie, which holds no NUL) so that the
    # refusal is in its language, as a page's would be.
    _ = current_user.is_authenticated
    raise ValidationError(N_("The request contains a NUL character, which no field may hold."))


def refuse_nul_characters() -> None:
    """Refuse a request with a NUL in its path, query arguments or form fields (names or values)."""
    if NUL in request.path:
        _refuse()
    if request.path.startswith("/api/"):
        return
    if _holds_nul(_items(request.args)) or (request.mimetype in _FORM_TYPES and _holds_nul(_items(request.form))):
        _refuse()


def init_app(app: Flask) -> None:
    # First of the before-request functions, so no rate limit, session or view reads the value.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_characters)
