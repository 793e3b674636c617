"""The forms of the circulars' pages."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)


class GenerateForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    start = DateField(lazy_gettext("Period from"), validators=[DataRequired()])
    end = DateField(lazy_gettext("Period to"), validators=[DataRequired()])
    weights = TextAreaField(lazy_gettext("Weights (one measure=weight a line)"),
                            validators=[DataRequired(), Length(max=2000)])
    commend = IntegerField(lazy_gettext("Units to commend (at most)"), default=3,
                           validators=[InputRequired(), NumberRange(0, 20)])
    criticise = IntegerField(lazy_gettext("Units to criticise (at most)"), default=3,
                             validators=[InputRequired(), NumberRange(0, 20)])
    explanation_days = IntegerField(lazy_gettext("Days given to answer"), default=15,
                                    validators=[InputRequired(), NumberRange(1, 90)])


class CircularForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    number = StringField(lazy_gettext("Document number (empty: numbered on publication)"),
                         validators=[Length(max=80)])
    intro = TextAreaField(lazy_gettext("Opening"), validators=[Length(max=20000)])
    closing = TextAreaField(lazy_gettext("Closing"), validators=[Length(max=20000)])
    explanation_days = IntegerField(lazy_gettext("Days given to answer"),
                                    validators=[InputRequired(), NumberRange(1, 90)])


class EntryForm(FlaskForm):
    text = TextAreaField(lazy_gettext("Paragraph"), validators=[DataRequired(), Length(max=20000)])


class ExplanationForm(FlaskForm):
    reasons = TextAreaField(lazy_gettext("Reasons"), validators=[DataRequired(), Length(max=20000)])
    plan = TextAreaField(lazy_gettext("Improvement plan"), validators=[DataRequired(), Length(max=20000)])


class ExplanationReviewForm(FlaskForm):
    decision = SelectField(lazy_gettext("Decision"), choices=[])
    comment = TextAreaField(lazy_gettext("Comment"), validators=[Length(max=5000)])


class ReferralForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    organ = StringField(lazy_gettext("Receiving organ"), validators=[Length(max=200)])
    facts = TextAreaField(lazy_gettext("Facts"), validators=[DataRequired(), Length(max=50000)])


class ReferralMoveForm(FlaskForm):
    to = SelectField(lazy_gettext("Next step"), choices=[])
    note = TextAreaField(lazy_gettext("Note"), validators=[Optional(), Length(max=5000)])


class CaseForm(FlaskForm):
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(lazy_gettext("Text"), validators=[DataRequired(), Length(max=50000)])
    names = StringField(lazy_gettext("Other names to remove (separated by commas)"),
                        validators=[Length(max=2000)])
