"""Forms of the evaluation pages."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class InstitutionForm(FlaskForm):
    name = StringField(lazy_gettext("Institution name"), validators=[DataRequired(), Length(max=200)])
    contact = StringField(lazy_gettext("Contact"), validators=[Optional(), Length(max=200)])


class EvaluatorForm(FlaskForm):
    username = StringField(lazy_gettext("Username"), validators=[DataRequired(), Length(min=2, max=80)])
    display_name = StringField(lazy_gettext("Name"), validators=[Optional(), Length(max=200)])
    email = EmailField(lazy_gettext("E-mail"), validators=[Optional(), Length(max=254)])
    password = PasswordField(lazy_gettext("Password"), validators=[DataRequired(), Length(min=10, max=256)])


class AssignmentForm(FlaskForm):
    username = StringField(lazy_gettext("Evaluator (username)"), validators=[DataRequired(), Length(max=80)])
    matter_code = StringField(lazy_gettext("Matter code"), validators=[DataRequired(), Length(max=64)])
    unit_code = StringField(lazy_gettext("Unit code (empty: the whole matter)"),
                            validators=[Optional(), Length(max=64)])


class IndicatorForm(FlaskForm):
    code = StringField(lazy_gettext("Indicator code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(lazy_gettext("Indicator name"), validators=[DataRequired(), Length(max=200)])
    weight = DecimalField(lazy_gettext("Weight"), default=1,
                          validators=[DataRequired(), NumberRange(min=0.01, max=1000)])
    target = DecimalField(lazy_gettext("Target (0–100)"), validators=[Optional(), NumberRange(min=0, max=100)])
