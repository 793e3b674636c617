"""Accounts, for administrators."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import func
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.access.accounts import save_account
from core.access.models import ROLE_LABELS, Role, User
from core.errors import ValidationError
from web import db
from web.auth import capability_required
from web.forms import MailAddress
from web.i18n import render_message

bp = Blueprint("users", __name__, url_prefix="/users")


class AccountForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(lazy_gettext("Name"), validators=[Length(max=200)])
    email = EmailField(lazy_gettext("E-mail"), validators=[Optional(), MailAddress(), Length(max=254)])
    role = SelectField(lazy_gettext("Role"), choices=[])
    unit_code = StringField(lazy_gettext("Unit code"), validators=[Length(max=64)])
    is_unit_head = BooleanField(lazy_gettext("Heads the unit (sees its whole subtree)"))
    active = BooleanField(lazy_gettext("Active"), default=True)
    password = PasswordField(lazy_gettext("New password"), validators=[Optional(), Length(max=256)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, gettext(ROLE_LABELS[role])) for role in Role]


@bp.get("/")
@capability_required("users.manage")
def index() -> str:
    users = db.session().scalars(db.scope().select(User).order_by(func.lower(User.username))).all()
    return render_template("admin/users.html", users=users, role_labels=ROLE_LABELS)


def _save(form: AccountForm, user: User) -> Response | None:
    session = db.session()
    try:
        save_account(session, user, username=form.username.data, role=Role(form.role.data),
                     unit_code=form.unit_code.data or None, display_name=form.display_name.data or "",
                     email=form.email.data or None, is_unit_head=form.is_unit_head.data,
                     active=form.active.data, password=form.password.data or None)
    except ValidationError as error:
        session.rollback()
        flash(render_message(error.message), "error")
        return None
    session.commit()
    flash(gettext("The account has been saved."), "info")
    return redirect(url_for("users.index"))


@bp.route("/new", methods=["GET", "POST"])
@capability_required("users.manage")
def create() -> Response | str:
    form = AccountForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(gettext("A new account needs a password."))
        else:
            done = _save(form, User())
            if done is not None:
                return done
    return render_template("admin/user_form.html", form=form, account=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@capability_required("users.manage")
def edit(user_id: int) -> Response | str:
    account = db.scope().get(User, user_id, "write")
    form = AccountForm(data={
        "username": account.username, "display_name": account.display_name, "email": account.email,
        "role": account.role.value, "unit_code": account.unit.code if account.unit else "",
        "is_unit_head": account.is_unit_head, "active": account.active,
    })
    if form.validate_on_submit():
        done = _save(form, account)
        if done is not None:
            return done
    return render_template("admin/user_form.html", form=form, account=account)
