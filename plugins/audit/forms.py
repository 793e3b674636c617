"""Forms of the audit pages."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from plugins.audit.rectification import MAX_NOTE


class EvidenceForm(FlaskForm):
    note = TextAreaField(lazy_gettext("What was done to rectify it"),
                         validators=[DataRequired(), Length(max=MAX_NOTE)])


class VerifyForm(FlaskForm):
    decision = RadioField(lazy_gettext("Decision"), choices=[
        ("accept", lazy_gettext("Rectification verified")),
        ("return", lazy_gettext("Send back: evidence insufficient"))], default="accept")
    note = TextAreaField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE)])
