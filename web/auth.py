"""Login, logout and password change; which session cookies still stand for a login."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_url, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.access.models import User
from core.access.passwords import LOGIN_REFUSED, AccountLocked, check_login, end_sessions, set_password
from core.errors import ValidationError
from core.i18n import message
from web import db
from web.extensions import limiter, login_manager
from web.i18n import render_message, safe_next
from web.sessions import login_is_current, start_login

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current = PasswordField(lazy_gettext("Current password"), validators=[DataRequired()])
    new = PasswordField(lazy_gettext("New password"), validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=lazy_gettext("The two passwords differ."))],
    )


def _fresh_session() -> None:
    """Empty the session cookie but for the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _load_user(user_id: str) -> User | None:
    """The user a session cookie stands for, while its login is current.

    The cookie carries the account's session generation (``id:generation``): once the
    account's generation moves on (logout, password change, deactivation) the cookie,
    and any copy of it, no longer stands for anyone. The login's lifetimes are read from
    the cookie itself (:func:`web.sessions.login_is_current`): no database write.
    """
    ident, _, generation = user_id.partition(":")
    if not ident.isdigit() or not login_is_current(session, current_app.config):
        _ended()
        return None
    user = db.session().get(User, int(ident))
    if user is None or not user.active or str(user.session_version) != generation:
        _ended()
        return None
    db.session().info["actor"] = user.username
    return user


def _ended() -> None:
    _fresh_session()
    g.session_ended = True


def _unauthorized() -> Response:
    if g.pop("session_ended", False):
        flash(gettext("Your session has ended. Please log in again."), "info")
    else:
        flash(gettext("Please log in to see this page."), "info")
    return redirect(login_url("auth.login", next_url=request.url))


def capability_required(capability: str) -> Callable[[F], F]:
    """Refuse the view (403) unless the user holds ``capability``."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not db.scope().can(capability):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)  # functools.wraps keeps the view's signature, not its type

    return decorator


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _client_address() -> str:
    # The real client's, behind TRUSTED_PROXIES proxies (see web.app._trust_proxies).
    return request.remote_addr or ""


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if form.validate_on_submit():
        db_session = db.session()
        try:
            user = check_login(db_session, form.username.data, form.password.data, _client_address())
        except AccountLocked as locked:
            db_session.rollback()
            flash(render_message(locked.message), "error")
            return render_template("auth/login.html", form=form), 429
        db_session.commit()
        if user is not None:
            # A new session: nothing from before the login survives (no fixation).
            _fresh_session()
            login_user(user)
            start_login(session)
            g.pop("scope", None)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        # The same words whether the name exists or not, and whether or not it is locked.
        flash(render_message(message(LOGIN_REFUSED)), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    user: User = current_user._get_current_object()
    # Every cookie of this account stops working, a copy of this one included.
    end_sessions(user)
    db.session().commit()
    logout_user()
    _fresh_session()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = PasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        db_session = db.session()
        try:
            if check_login(db_session, user.username, form.current.data, _client_address()) is None:
                db_session.commit()
                flash(gettext("The current password is wrong."), "error")
                return render_template("auth/password.html", form=form)
            set_password(user, form.new.data)
        except (ValidationError, AccountLocked) as error:
            db_session.rollback()
            flash(render_message(error.message), "error")
            return render_template("auth/password.html", form=form)
        db_session.commit()
        login_user(user)  # stay logged in here, with the new generation; other sessions end
        flash(gettext("Your password has been changed."), "info")
        return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
