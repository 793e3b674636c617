"""The forms of the circulars' pages."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
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
    commend = IntegerField(lazy_gettext("Units to commend (at most)"), default=3,
                           validators=[InputRequired(), NumberRange(0, 20)])
    criticise = IntegerField(lazy_gettext("Units to criticise (at most)"), default=3,
                             validators=[InputRequired(), NumberRange(0, 20)])
    explanation_days = IntegerField(lazy_gettext("Days given to answer"), default=15,
                                    validators=[InputRequired(), NumberRange(1, 90)])


    measures: ClassVar[dict[str, str]] = {}  # a weight field's name -> the measure it weighs (set per form class)

    def weights(self) -> dict[str, float]:
        """The weights entered, by measure name (empty fields weigh nothing)."""
        return {measure: float(self[name].data or 0) for name, measure in self.measures.items()}

    def weight_fields(self) -> list[object]:
        return [self[name] for name in self.measures]


def generate_form(labels: Mapping[str, str], weights: Mapping[str, float] | None = None,
                  **kwargs: object) -> GenerateForm:
    """The generation form with one labelled number field per measure (``labels``: measure -> its label),
    filled in with ``weights`` when given (the form first shown); a posted form weighs only what it sends."""
    class Form(GenerateForm):
        pass

    Form.measures = {}
    for measure, label in labels.items():
        name = "weight_" + re.sub(r"\W", "_", measure)
        Form.measures[name] = measure
        setattr(Form, name, DecimalField(label, places=None, validators=[Optional(), NumberRange(0, 1000)],
                                         render_kw={"data-measure": measure, "min": 0, "step": "any"}))
    form = Form(**kwargs)
    if weights is not None:
        for name, measure in Form.measures.items():
            form[name].data = weights.get(measure, 0)
    return form


class PublishForm(FlaskForm):
    confirm = BooleanField(lazy_gettext("I have proofread this circular: publishing numbers it and sends it to "
                                        "the units concerned, and it cannot be withdrawn."),
                           validators=[DataRequired()])


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
