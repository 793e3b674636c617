"""Forms of the review pages."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from core.review.models import SEVERITY_LABELS, Severity
from web.forms import HappenedOn


class PlanForm(FlaskForm):
    name = StringField(lazy_gettext("Name of the round"), validators=[DataRequired(), Length(max=200)])
    budget = IntegerField(lazy_gettext("Budget (visits)"), default=20,
                          validators=[InputRequired(), NumberRange(min=1, max=2000)])
    random_share = DecimalField(lazy_gettext("Share drawn at random"), default=0.1, places=2,
                                validators=[InputRequired(), NumberRange(min=0, max=1)],
                                description=lazy_gettext("0.1 means one visit in ten is drawn at random among "
                                                         "eligible tasks, so the outcomes estimate the problem "
                                                         "rate without bias."))
    min_region_chance = DecimalField(lazy_gettext("Minimum chance of a visit per region"), default=0.05, places=2,
                                     validators=[InputRequired(), NumberRange(min=0, max=1)])


class AddTaskForm(FlaskForm):
    task_id = IntegerField(lazy_gettext("Task number"), validators=[InputRequired()])


class OutcomeForm(FlaskForm):
    visited_on = DateField(lazy_gettext("Visited on"), validators=[InputRequired(), HappenedOn()])
    problem_found = RadioField(lazy_gettext("Was a problem found?"), choices=[
        ("1", lazy_gettext("Yes, a problem was confirmed")), ("0", lazy_gettext("No problem found"))],
        validators=[InputRequired()])
    severity = SelectField(lazy_gettext("Severity"), choices=[("", "—")] + [
        (s.value, lazy_gettext(SEVERITY_LABELS[s])) for s in Severity], validators=[Optional()])
    findings = TextAreaField(lazy_gettext("Findings"), validators=[Length(max=20000)])
    unit_response = TextAreaField(lazy_gettext("The unit's response"), validators=[Length(max=20000)])
    photos = MultipleFileField(lazy_gettext("Photos (PNG or JPEG)"))
    rectification_deadline = DateField(lazy_gettext("Rectification deadline (opens a rectification)"),
                                       validators=[Optional()])
    requirement = TextAreaField(lazy_gettext("What must be rectified"), validators=[Length(max=20000)])


class FixedForm(FlaskForm):
    note = TextAreaField(lazy_gettext("What was done to fix it"), validators=[DataRequired(), Length(max=20000)])


class RulesForm(FlaskForm):
    text = TextAreaField(lazy_gettext("Rule file (TOML)"), validators=[Length(max=200_000)])
