"""Login, logout and password change."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.access.models import User
from core.access.passwords import AccountLocked, set_password, verify_login
from core.errors import ValidationError
from web import db
from web.extensions import limiter, login_manager
from web.i18n import render_message, safe_next

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


def _load_user(user_id: str) -> User | None:
    ident, _, version = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session().get(User, int(ident))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    db.session().info["actor"] = user.username
    return user


def capability_required(capability: str) -> Callable[[F], F]:
    """Refuse the view (403) unless the user holds ``capability``."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not db.scope().can(capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        db_session = db.session()
        user = db_session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        try:
            ok = verify_login(user, form.password.data)
        except AccountLocked as locked:
            db_session.commit()
            flash(render_message(locked.message), "error")
            return render_template("auth/login.html", form=form), 429
        db_session.commit()
        if ok and user is not None:
            # A new session: nothing from before the login survives (no fixation).
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            g.pop("scope", None)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        flash(gettext("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    form = PasswordForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()  # type: ignore[attr-defined]
        db_session = db.session()
        try:
            if not verify_login(user, form.current.data):
                db_session.commit()
                flash(gettext("The current password is wrong."), "error")
                return render_template("auth/password.html", form=form)
            set_password(user, form.new.data)
        except (ValidationError, AccountLocked) as error:
            db_session.rollback()
            flash(render_message(error.message), "error")
            return render_template("auth/password.html", form=form)
        db_session.commit()
        login_user(user)  # stay logged in here; other sessions end
        flash(gettext("Your password has been changed."), "info")
        return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)
