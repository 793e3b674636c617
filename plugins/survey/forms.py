"""The staff forms of the survey pages (every one carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class UploadForm(FlaskForm):
    file = FileField(lazy_gettext("XLSForm file"), validators=[FileRequired()],
                     description=lazy_gettext("An XLSForm as .xlsx, .xls, .csv or .md "
                                              "(ODK, KoboToolbox, Ona, Survey123)."))
    publish = BooleanField(lazy_gettext("Publish at once"))


class SettingsForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    access = SelectField(lazy_gettext("Access"), choices=[])
    opens_on = DateField(lazy_gettext("Opens on"), validators=[Optional()])
    closes_on = DateField(lazy_gettext("Closes on"), validators=[Optional()])
    unit_field = SelectField(lazy_gettext("Question naming the unit or region"), choices=[], validators=[Optional()])


class LinkForm(FlaskForm):
    code = StringField(lazy_gettext("Code"), validators=[DataRequired(), Length(max=64)])


class InviteForm(FlaskForm):
    file = FileField(lazy_gettext("List of invitees"), validators=[FileRequired()],
                     description=lazy_gettext("CSV or XLSX with columns email, name, unit_code."))


class QuotaForm(FlaskForm):
    field = SelectField(lazy_gettext("Question"), choices=[])
    value = StringField(lazy_gettext("Answer"), validators=[DataRequired(), Length(max=200)])
    limit = IntegerField(lazy_gettext("At most"), validators=[DataRequired(), NumberRange(min=1)])


class IndicatorForm(FlaskForm):
    kind = SelectField(lazy_gettext("Indicator"), choices=[])
    field = SelectField(lazy_gettext("Question"), choices=[])
    values = StringField(lazy_gettext("Answers that count"), validators=[DataRequired(), Length(max=500)],
                         description=lazy_gettext("Choice names separated by spaces, e.g. satisfied very_satisfied."))
    target = DecimalField(lazy_gettext("Target share"), places=2, validators=[InputRequired(), NumberRange(0, 1)])
