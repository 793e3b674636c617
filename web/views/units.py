"""Units: the hierarchy, a unit's page, and editing for administrators."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from core.access.models import User
from core.errors import ValidationError
from core.org.models import LEVEL_LABELS, Unit, UnitLevel
from core.org.units import save_unit, unit_by_code
from web import db
from web.auth import capability_required
from web.i18n import render_message

bp = Blueprint("units", __name__, url_prefix="/units")


class UnitForm(FlaskForm):
    code = StringField(lazy_gettext("Unit code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(lazy_gettext("Unit name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(lazy_gettext("Level"), choices=[])
    region_code = StringField(lazy_gettext("Region code"), validators=[DataRequired(), Length(min=6, max=6)])
    parent_code = StringField(lazy_gettext("Parent unit code"), validators=[Length(max=64)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [(level.value, gettext(LEVEL_LABELS[level])) for level in UnitLevel]


@bp.get("/")
@capability_required("units.view")
def index() -> str:
    scope = db.scope()
    query = request.args.get("q", "").strip()
    stmt = scope.select(Unit).order_by(Unit.path)
    if query:
        like = f"%{query}%"
        stmt = stmt.where(or_(Unit.name.like(like), Unit.code.like(like), Unit.region_code.like(like)))
    units = list(db.session().scalars(stmt.limit(2000)))
    return render_template("admin/units.html", units=units, query=query, level_labels=LEVEL_LABELS,
                           can_manage=scope.can("units.manage"))


@bp.get("/<int:unit_id>")
@capability_required("units.view")
def show(unit_id: int) -> str:
    scope = db.scope()
    unit = scope.get(Unit, unit_id)
    children = list(db.session().scalars(scope.select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code)))
    officers = list(db.session().scalars(select(User).where(User.unit_id == unit.id).order_by(User.username)))
    panels = [panel for batch in db.plugins().hook.duban_unit_panels(
        session=db.session(), unit=unit, user=current_user) for panel in batch or ()]
    return render_template("admin/unit.html", unit=unit, children=children, officers=officers,
                           panels=sorted(panels, key=lambda p: p.order), level_labels=LEVEL_LABELS,
                           can_manage=scope.can("units.manage"))


def _save(form: UnitForm, unit: Unit) -> Response | None:
    session = db.session()
    parent = None
    if form.parent_code.data:
        parent = unit_by_code(session, form.parent_code.data.strip())
        if parent is None:
            form.parent_code.errors.append(gettext("No unit has this code."))
            return None
    try:
        save_unit(session, unit, code=form.code.data, name=form.name.data,
                  level=UnitLevel(form.level.data), region_code=form.region_code.data.strip(), parent=parent)
    except ValidationError as error:
        session.rollback()
        flash(render_message(error.message), "error")
        return None
    session.commit()
    flash(gettext("The unit has been saved."), "info")
    return redirect(url_for("units.show", unit_id=unit.id))


@bp.route("/new", methods=["GET", "POST"])
@capability_required("units.manage")
def create() -> Response | str:
    form = UnitForm()
    if form.validate_on_submit():
        done = _save(form, Unit())
        if done is not None:
            return done
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@capability_required("units.manage")
def edit(unit_id: int) -> Response | str:
    unit = db.scope().get(Unit, unit_id, "write")
    form = UnitForm(data={"code": unit.code, "name": unit.name, "level": unit.level.value,
                          "region_code": unit.region_code,
                          "parent_code": unit.parent.code if unit.parent else ""})
    if form.validate_on_submit():
        done = _save(form, unit)
        if done is not None:
            return done
    return render_template("admin/unit_form.html", form=form, unit=unit)
